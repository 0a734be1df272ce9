/**
 * Per-snapshot memo of what an issuance recomputes for the same caller: the caller context and the
 * issue-by-name decisions. Both are pure functions of (caller, policy snapshot, workload identity):
 * the snapshot is immutable and replaced on refresh or invalidation (policy.ts), so an entry lives
 * exactly as long as the snapshot it was computed from (a WeakMap key). Refusals are never
 * memoized: they are recomputed, and thrown with the same message, every time. Callers with
 * workload attributes (which vary per request) bypass the memo.
 */
import type {WorkloadAttrs} from '../authz/attributes.js'
import {decideIssuance, type IssuanceDecision} from '../authz/decision.js'
import type {WorkloadIdentity} from '../resources/types.js'
import type {TrustDomain} from '../spiffe/id.js'
import {type Caller, type CallerContext, callerContext} from './caller.js'
import type {PolicySnapshot} from './policy.js'

/** Distinct callers remembered per snapshot; beyond this the memo starts afresh. */
const CALLERS_PER_SNAPSHOT = 256

/** The verbs issue-by-name needs on `workload_identity` (read and list, as issue-by-labels). */
export const ISSUE_BY_NAME_VERBS: readonly string[] = ['read', 'list']

interface CallerEntry {
  readonly context: CallerContext
  readonly byName: Map<string, IssuanceDecision>
}

function callerKey(caller: Caller): string {
  return caller.kind === 'admin' ? JSON.stringify(['admin', caller.name]) : JSON.stringify(['bot', caller.botName, caller.roles, caller.join ?? null])
}

export class DecisionMemo {
  private readonly bySnapshot = new WeakMap<PolicySnapshot, Map<string, CallerEntry>>()

  /** The caller's context, and (when memoizable) where its issue-by-name decisions are kept. */
  context(caller: Caller, policy: PolicySnapshot, workload: WorkloadAttrs | undefined): {context: CallerContext; byName?: Map<string, IssuanceDecision>} {
    if (workload !== undefined) return {context: callerContext(caller, policy, workload)}
    let callers = this.bySnapshot.get(policy)
    if (callers === undefined) {
      callers = new Map()
      this.bySnapshot.set(policy, callers)
    }
    const key = callerKey(caller)
    let entry = callers.get(key)
    if (entry === undefined) {
      entry = {context: callerContext(caller, policy, undefined), byName: new Map()}
      if (callers.size >= CALLERS_PER_SNAPSHOT) callers.clear()
      callers.set(key, entry)
    }
    return entry
  }

  /** Issue-by-name for `wi` (from the same snapshot as the context); throws the refusal. */
  decideByName(
    context: CallerContext, byName: Map<string, IssuanceDecision> | undefined, wi: WorkloadIdentity, trustDomain: TrustDomain,
  ): IssuanceDecision {
    const known = byName?.get(wi.metadata.name)
    if (known !== undefined) return known
    const decision = decideIssuance({wi, roles: context.roles, attrs: context.attrs, trustDomain, verbs: ISSUE_BY_NAME_VERBS})
    byName?.set(wi.metadata.name, decision)
    return decision
  }
}
