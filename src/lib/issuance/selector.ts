/**
 * Which WorkloadIdentity resources a request issues from: by name, or by labels (values OR-ed per
 * key), as Teleport's WorkloadIdentitySelector (api/proto/teleport/workloadidentity/v1).
 */
export type WorkloadIdentitySelector =
  | {readonly name: string; readonly labels?: undefined}
  | {readonly labels: Readonly<Record<string, readonly string[]>>; readonly name?: undefined}
