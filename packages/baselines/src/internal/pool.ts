import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { RecForgeError } from '@recforge/core'

/**
 * A self-contained kernel: it may use only its arguments and JavaScript globals, because its
 * source text is what the worker runs. The same function runs on the calling thread, so a
 * result never depends on how many threads did the work.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Kernel = (...args: any[]) => unknown

/** Number of threads to use when the caller asks for `threads: 0` (automatic). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 8))
}

/**
 * A small pool of worker threads that run named kernels. The kernels travel as source text in
 * an `eval` worker, so the pool works the same from the TypeScript sources, the ESM build and the
 * CommonJS build. Typed arrays on a `SharedArrayBuffer` are shared, not copied.
 */
export class KernelPool {
  private readonly workers: Worker[] = []
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>()
  private nextId = 0
  private closed = false

  /** Starts `size` workers knowing `kernels` by name. */
  constructor(size: number, kernels: Readonly<Record<string, Kernel>>) {
    const table = Object.entries(kernels)
      .map(([name, fn]) => `${JSON.stringify(name)}: (${fn.toString()})`)
      .join(',\n')
    // transpilers that keep function names (tsx, esbuild's keepNames) wrap functions in a
    // __name(...) helper that the kernels' source text then calls: give the worker one
    const source = `
var __name = (target) => target;
const { parentPort } = require('node:worker_threads');
const kernels = {
${table}
};
parentPort.on('message', (m) => {
  try {
    const result = kernels[m.kernel](...m.args);
    const transfer = [];
    if (result && typeof result === 'object') {
      for (const v of Object.values(result)) if (ArrayBuffer.isView(v) && !(v.buffer instanceof SharedArrayBuffer)) transfer.push(v.buffer);
    }
    parentPort.postMessage({ id: m.id, result }, transfer);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.stack || e) });
  }
});
`
    for (let w = 0; w < size; w++) {
      const worker = new Worker(source, { eval: true })
      worker.on('message', (m: { id: number; result?: unknown; error?: string }) => {
        const p = this.pending.get(m.id)
        if (!p) return
        this.pending.delete(m.id)
        if (m.error !== undefined) p.reject(new RecForgeError('BACKEND_UNAVAILABLE', `worker thread failed: ${m.error}`))
        else p.resolve(m.result)
      })
      worker.on('error', (e) => this.failAll(new RecForgeError('BACKEND_UNAVAILABLE', `worker thread crashed: ${e.message}`, { cause: e })))
      worker.on('exit', (code) => {
        if (!this.closed) this.failAll(new RecForgeError('BACKEND_UNAVAILABLE', `worker thread exited with code ${code}`))
      })
      this.workers.push(worker)
    }
  }

  private failAll(e: RecForgeError): void {
    this.closed = true
    for (const p of this.pending.values()) p.reject(e)
    this.pending.clear()
  }

  get size(): number {
    return this.workers.length
  }

  /** Runs `kernel(...args)` on worker `w`. */
  run<T>(w: number, kernel: string, args: readonly unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(new RecForgeError('BACKEND_UNAVAILABLE', 'the worker pool is closed'))
    const worker = this.workers[w]
    if (!worker) return Promise.reject(new RecForgeError('INVALID_ARGUMENT', `worker ${w} does not exist; the pool has ${this.workers.length}`))
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      worker.postMessage({ id, kernel, args })
    })
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.closed = true
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}

/** Splits `0..n` into `parts` contiguous ranges of near-equal size: boundaries of length parts + 1. */
export function evenSplit(n: number, parts: number): Int32Array {
  const b = new Int32Array(parts + 1)
  for (let p = 0; p <= parts; p++) b[p] = Math.round((n * p) / parts)
  return b
}
