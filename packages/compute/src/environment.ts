/**
 * What the runtime offers for parallel work: Node (worker_threads) or a browser (Web Workers), and
 * whether memory can be shared between threads. Node built-ins are only ever loaded with a
 * dynamic `import()`, so this module bundles for browsers.
 */

/** True in Node (and runtimes that present themselves as Node), where `worker_threads` runs workers. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process
  return typeof p?.versions?.node === 'string'
}

/**
 * True when typed arrays on a `SharedArrayBuffer` can be handed to other threads: the constructor
 * exists, and in a browser the page is `crossOriginIsolated` (without it, browsers either hide
 * `SharedArrayBuffer` or refuse to post it).
 *
 * @example
 * ```ts
 * const shared = canShareMemory() // false on a page served without COOP/COEP headers
 * ```
 */
export function canShareMemory(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated
  return isolated !== false
}

/** True when this runtime can start worker threads at all (Node, or a browser with `Worker`). */
export function canStartWorkers(): boolean {
  return isNode() || typeof (globalThis as { Worker?: unknown }).Worker === 'function'
}

let cores: number | undefined

/**
 * Number of hardware threads: `os.availableParallelism()` in Node (loaded lazily),
 * `navigator.hardwareConcurrency` in browsers, 1 where neither is known.
 *
 * @example
 * ```ts
 * await hardwareThreads() // 2 on a two-core machine
 * ```
 */
export async function hardwareThreads(): Promise<number> {
  if (cores !== undefined) return cores
  let n = 1
  if (isNode()) {
    try {
      const os = await import('node:os')
      n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length
    } catch {
      n = 1
    }
  } else {
    const hc = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency
    if (typeof hc === 'number') n = hc
  }
  cores = Number.isInteger(n) && n > 0 ? n : 1
  return cores
}

type NodeWorkerConstructor = typeof import('node:worker_threads').Worker
let nodeWorker: NodeWorkerConstructor | undefined

/**
 * @internal Node's `Worker` constructor, loaded once with a dynamic import; afterwards
 * {@link loadedNodeWorker} returns it synchronously, so a pool can start its workers before the
 * calling thread goes on with other work.
 */
export async function loadNodeWorker(): Promise<NodeWorkerConstructor> {
  nodeWorker ??= (await import('node:worker_threads')).Worker
  return nodeWorker
}

/** @internal Node's `Worker` constructor when {@link loadNodeWorker} already loaded it. */
export function loadedNodeWorker(): NodeWorkerConstructor | undefined {
  return nodeWorker
}
