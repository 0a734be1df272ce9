/**
 * Where the cluster's CA state lives: one document holding every CA's keys and certificates and any
 * rotation in progress (Teleport keeps each CA as one `cert_authority` resource with its rotation
 * status, api/types/authority.go). One narrow interface so the data directory and a shared database
 * hold it alike; writers compare and swap, so two replicas rotating at once cannot both win.
 */

export interface CaStateRecord {
  /** The serialized document (JSON); it holds private keys, so stores keep it private. */
  readonly data: string
  /** Changes on every write; opaque to callers. */
  readonly revision: string
}

export interface CaStateStore {
  /** The stored document, or undefined before the cluster's CA was first created. */
  read(): Promise<CaStateRecord | undefined>
  /**
   * Stores `data` only if the stored revision is still `expected` (undefined: nothing stored yet).
   * Returns the new record, or undefined when another writer got there first (nothing written).
   */
  write(data: string, expected: string | undefined): Promise<CaStateRecord | undefined>
}
