import { createPool, resolveThreads, splitByPrefix, type KernelPool } from '@recforge/compute'
import { mfKernels } from './kernels'
import { kernelsWorker } from './kernels.worker.generated'

/** With `threads: 0`, below this many interactions one thread runs the fit: starting threads costs more than it saves. */
export const PARALLEL_MIN_INTERACTIONS = 50_000

/** The threads that run the ALS and BPR kernels. */
export type MfPool = KernelPool<typeof mfKernels>

/** Test hook: replaces the worker script (e.g. with one that fails to start). */
export const poolOverrides: { source?: string } = {}

/** The worker script of the pool: kernels.worker.ts bundled with what it imports (or the test override). */
export function workerSource(): string {
  return poolOverrides.source ?? kernelsWorker.code
}

/**
 * Starts the pool of one fit: the `threads` parameter resolved by compute's thread rule (an explicit
 * count, or one per core from {@link PARALLEL_MIN_INTERACTIONS} interactions up), falling back to
 * the calling thread alone where workers cannot start or memory cannot be shared.
 */
export async function startPool(threads: number, interactions: number): Promise<MfPool> {
  const n = await resolveThreads(threads, { work: interactions, minWork: PARALLEL_MIN_INTERACTIONS })
  return createPool({ kernels: mfKernels, script: { name: kernelsWorker.name, code: workerSource() }, threads: n })
}

/** Splits CSR rows `0..rows` into `parts` ranges of about equal weight: interactions plus `rowCost` per row. */
export function rowRanges(indptr: Int32Array, rows: number, parts: number, rowCost: number): Array<[number, number]> {
  const b = splitByPrefix((i) => indptr[i]! - indptr[0]! + rowCost * i, rows, parts)
  return Array.from({ length: parts }, (_, p) => [b[p]!, b[p + 1]!])
}
