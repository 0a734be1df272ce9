/** What every join-method check is given (the Authority's view of the cluster at the join). */
export interface JoinCheckContext {
  /** The audience Teleport expects for Kubernetes and GitLab tokens. */
  readonly clusterName: string
  readonly now: Date
}
