/**
 * Our operation beside its raw baseline, measured interleaved: each round runs the two sides in
 * alternating slices (10 of ~60 ms each), so a change of load on these shared machines hits both
 * alike, and the figure is the median over rounds, with the median of the per-round ratios.
 */
import {median} from './_util.js'

const SLICES = 10
const SLICE_MS = 60

/** An operation: sync, or async (its promise is awaited before the next call). */
type Op = () => unknown

interface Tally {
  ops: number
  ns: bigint
}

async function runSlice(op: Op, into: Tally): Promise<void> {
  const start = process.hrtime.bigint()
  const limit = BigInt(SLICE_MS) * 1_000_000n
  let elapsed = 0n
  let count = 0
  while (elapsed < limit) {
    for (let i = 0; i < 8; i++) {
      const result = op()
      if (result instanceof Promise) await result
    }
    count += 8
    elapsed = process.hrtime.bigint() - start
  }
  into.ops += count
  into.ns += elapsed
}

async function round(ours: Op, raw: Op): Promise<{ours: number; raw: number}> {
  const a: Tally = {ops: 0, ns: 0n}
  const b: Tally = {ops: 0, ns: 0n}
  for (let i = 0; i < SLICES; i++) {
    await runSlice(ours, a)
    await runSlice(raw, b)
  }
  return {ours: a.ops / (Number(a.ns) / 1e9), raw: b.ops / (Number(b.ns) / 1e9)}
}

export interface PairFigure {
  readonly ours: number
  readonly raw: number
  readonly ratio: number
}

/** Each pair warmed up `warmup` times (JIT, key caches), then `rounds` rounds over all pairs in turn. */
export async function measurePairs(
  pairs: readonly {readonly ours: Op; readonly raw: Op}[], options: {rounds: number; warmup: number},
): Promise<PairFigure[]> {
  for (const {ours, raw} of pairs) {
    for (let i = 0; i < options.warmup; i++) {
      await ours()
      await raw()
    }
  }
  const results = pairs.map(() => ({ours: [] as number[], raw: [] as number[], ratio: [] as number[]}))
  for (let r = 0; r < options.rounds; r++) {
    for (const [i, {ours, raw}] of pairs.entries()) {
      const m = await round(ours, raw)
      results[i]!.ours.push(m.ours)
      results[i]!.raw.push(m.raw)
      results[i]!.ratio.push(m.ours / m.raw)
    }
  }
  return results.map((r) => ({ours: Math.round(median(r.ours)), raw: Math.round(median(r.raw)), ratio: Number(median(r.ratio).toFixed(3))}))
}
