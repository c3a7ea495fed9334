/** Below this many interactions, thread start-up costs more than it saves. */
export const PARALLEL_MIN_INTERACTIONS = 50_000

/** Resolves the `workers` option: an explicit count, or one per core (at most 8) for large data. */
export async function resolveWorkers(option: number, interactions: number): Promise<number> {
  if (option > 0) return option
  if (interactions < PARALLEL_MIN_INTERACTIONS) return 1
  try {
    const os = await import('node:os')
    return Math.max(1, Math.min(8, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length))
  } catch {
    return 1
  }
}
