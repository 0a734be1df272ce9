/** One benchmark figure, as printed by `npm run bench` and written by `npm run bench -- --json FILE`. */
export interface BenchFigure {
  /** Stable, self-explaining, snake_case: `x509_svid_issue_per_sec`. */
  readonly name: string
  readonly value: number
  readonly unit: string
  /** The comparable limit, measured in the same run (e.g. raw node:crypto signing). */
  readonly limit?: number
  /** value / limit (or limit / value for times, where lower is better), as the figure's goal reads. */
  readonly ratio?: number
  readonly goal?: string
}
