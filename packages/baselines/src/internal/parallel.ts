import { resolveThreads, withPool, type KernelPool } from '@recforge/compute'
import { baselinesKernels } from './kernels'
import { kernelsWorker } from './kernels.worker.generated'

/** The threads that run the item-kNN and EASE kernels. */
export type BaselinesPool = KernelPool<typeof baselinesKernels>

/**
 * Runs one fit's parallel part with a pool: the `threads` option resolved by compute's thread rule
 * (an explicit count, or one per core from `minItems` items up), the calling thread alone where
 * workers cannot start or memory cannot be shared. `fn` gets the pool while it starts (see
 * compute's `withPool`); the pool is closed afterwards.
 */
export async function withBaselinesPool<R>(threads: number, items: number, minItems: number, fn: (starting: Promise<BaselinesPool>) => Promise<R>): Promise<R> {
  const n = await resolveThreads(threads, { work: items, minWork: minItems })
  return withPool({ kernels: baselinesKernels, script: kernelsWorker, threads: n }, fn)
}

/** One task per range of `split` (boundaries): the arguments `args(thread)` plus the range as `start`/`end`. */
export function rowTasks<A extends object>(split: Int32Array, args: (thread: number) => A): Array<A & { start: number; end: number }> {
  return Array.from({ length: split.length - 1 }, (_, t) => ({ ...args(t), start: split[t]!, end: split[t + 1]! }))
}
