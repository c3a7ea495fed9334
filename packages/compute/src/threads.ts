import { RecForgeError } from '@recforge/core'
import { canShareMemory, canStartWorkers, hardwareThreads, isNode, loadNodeWorker } from './environment'

/** The most threads `threads: 0` picks, whatever the core count: more rarely pays for the start-up and the memory traffic. */
export const MAX_AUTO_THREADS = 8

/** How much work a call has, against the least that pays for starting worker threads. */
export interface ThreadWork {
  /** Size of this call's work, in the caller's unit (interactions, items, ...). */
  readonly work: number
  /** With `threads: 0`, below this much work one thread runs it. */
  readonly minWork: number
}

/**
 * The one thread rule: how many threads run a call, the calling thread included.
 *
 * - `requested > 0`: that many (an explicit count is honoured, even for small work);
 * - `requested === 0`: one per hardware thread, at most {@link MAX_AUTO_THREADS}, or 1 when the
 *   work is below `minWork`;
 * - always 1 where threads cannot start or memory cannot be shared (a browser page that is not
 *   `crossOriginIsolated`, a runtime without workers).
 *
 * @example
 * ```ts
 * await resolveThreads(0, { work: 1_000_000, minWork: 50_000 }) // 2 on a two-core machine
 * await resolveThreads(0, { work: 10_000, minWork: 50_000 }) // 1
 * await resolveThreads(3, { work: 10, minWork: 50_000 }) // 3
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `requested` is not a non-negative integer.
 */
export async function resolveThreads(requested: number, rule: ThreadWork): Promise<number> {
  if (!Number.isInteger(requested) || requested < 0) {
    throw new RecForgeError('INVALID_ARGUMENT', `threads must be a non-negative integer (0 = one per core); got ${requested}`)
  }
  if (!threadsAvailable()) return 1
  const threads = requested > 0 ? requested : rule.work < rule.minWork ? 1 : Math.max(1, Math.min(MAX_AUTO_THREADS, await hardwareThreads()))
  // load worker_threads now, so the pool that follows starts its workers without waiting for it
  if (threads > 1 && isNode()) await loadNodeWorker().catch(() => undefined)
  return threads
}

/**
 * True where worker threads can start and share memory with the calling thread; where this is
 * false every call runs on one thread.
 *
 * @example
 * ```ts
 * if (!threadsAvailable()) console.warn('running single-threaded')
 * ```
 */
export function threadsAvailable(): boolean {
  return canStartWorkers() && canShareMemory()
}
