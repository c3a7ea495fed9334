/** A running throwaway cluster: connect with `url` (user `recforge`, no password, database `postgres`); `stop` removes it. */
export interface TestCluster {
  url: string
  stop(): Promise<void>
}

/** Starts a throwaway PostgreSQL cluster, or says why none could be started. */
export function startTestCluster(): Promise<TestCluster | { skipped: string }>
