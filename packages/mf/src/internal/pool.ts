import { Random } from '@recforge/core'
import { alsKernel, alsWasmKernel, bprKernel } from './kernels'

/** Kernel names a pool can run. */
export type KernelName = 'als' | 'alsWasm' | 'bpr'

/**
 * The worker body as a string, built from the kernels' own source. Running workers from a string
 * (`eval: true`) works the same from TypeScript source under vitest/tsx and from the built ESM or
 * CJS bundles, with no worker file to resolve on disk.
 */
export function workerSource(): string {
  return [
    `'use strict';`,
    // transpilers that keep function names (tsx, esbuild's keepNames) wrap classes and functions
    // in a __name(...) helper that the kernels' source text then calls; the worker has no such
    // helper, so give it one
    `var __name = (target) => target;`,
    `const { parentPort } = require('node:worker_threads');`,
    `const Random = (${Random.toString()});`,
    `const kernels = { als: (${alsKernel.toString()}), alsWasm: (${alsWasmKernel.toString()}), bpr: (${bprKernel.toString()}) };`,
    `parentPort.on('message', (m) => {`,
    `  try { const result = kernels[m.kernel](m.args, Random); parentPort.postMessage({ id: m.id, ok: true, result }); }`,
    `  catch (e) { parentPort.postMessage({ id: m.id, ok: false, error: String((e && e.stack) || e) }); }`,
    `});`,
    `parentPort.postMessage({ ready: true });`,
  ].join('\n')
}

/** Test hook: replaces the worker source (e.g. with one that fails to start). */
export const poolOverrides: { source?: string } = {}

interface MinimalWorker {
  postMessage(m: unknown): void
  on(ev: string, fn: (x: unknown) => void): void
  once(ev: string, fn: (x: unknown) => void): void
  terminate(): Promise<number>
  unref(): void
}

/**
 * A fixed set of worker threads that run the kernels on shared memory. Created with
 * {@link createPool}, which resolves to `undefined` when workers cannot start, so callers fall
 * back to the single-threaded path.
 */
export class KernelPool {
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()

  constructor(private readonly workers: MinimalWorker[]) {
    for (const w of workers) {
      w.on('message', (raw) => {
        const m = raw as { id?: number; ok?: boolean; result?: unknown; error?: string }
        if (m.id === undefined) return
        const p = this.pending.get(m.id)
        if (!p) return
        this.pending.delete(m.id)
        if (m.ok) p.resolve(m.result)
        else p.reject(new Error(m.error ?? 'worker failed'))
      })
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e as Error)
        this.pending.clear()
      })
    }
  }

  get size(): number {
    return this.workers.length
  }

  /** Runs one task per entry of `argsList`, task t on worker t mod size. */
  run<R>(kernel: KernelName, argsList: readonly object[]): Promise<R[]> {
    return Promise.all(
      argsList.map(
        (args, t) =>
          new Promise<R>((resolve, reject) => {
            const id = this.nextId++
            this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
            this.workers[t % this.workers.length]!.postMessage({ id, kernel, args })
          }),
      ),
    )
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}

/**
 * Starts `n` workers and waits until each reports ready. Resolves to `undefined` (never throws)
 * when worker threads or SharedArrayBuffer are unavailable or a worker fails to start.
 */
export async function createPool(n: number): Promise<KernelPool | undefined> {
  if (n < 2 || typeof SharedArrayBuffer === 'undefined') return undefined
  let Worker: new (src: string, opts: { eval: boolean }) => MinimalWorker
  try {
    Worker = (await import('node:worker_threads')).Worker as unknown as typeof Worker
  } catch {
    return undefined
  }
  const source = poolOverrides.source ?? workerSource()
  const started: MinimalWorker[] = []
  try {
    for (let i = 0; i < n; i++) started.push(new Worker(source, { eval: true }))
    await Promise.all(
      started.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error('worker did not start within 10 s')), 10_000)
            w.once('message', (m) => {
              clearTimeout(timer)
              if ((m as { ready?: boolean }).ready) resolve()
              else reject(new Error('unexpected first message from worker'))
            })
            w.once('error', (e) => {
              clearTimeout(timer)
              reject(e as Error)
            })
            w.once('exit', () => {
              clearTimeout(timer)
              reject(new Error('worker exited during start-up'))
            })
          }),
      ),
    )
  } catch {
    await Promise.all(started.map((w) => w.terminate().catch(() => 0)))
    return undefined
  }
  return new KernelPool(started)
}

/** Allocates a typed array on shared memory when available (so workers can write it), else a plain one. */
export function sharedLike(src: Float32Array, shared: boolean): Float32Array
export function sharedLike(src: Float64Array, shared: boolean): Float64Array
export function sharedLike(src: Int32Array, shared: boolean): Int32Array
export function sharedLike(src: Float32Array | Float64Array | Int32Array, shared: boolean): Float32Array | Float64Array | Int32Array {
  if (!shared) return src
  if (src.buffer instanceof SharedArrayBuffer) return src
  const C = src.constructor as new (b: SharedArrayBuffer) => Float32Array | Float64Array | Int32Array
  const out = new C(new SharedArrayBuffer(src.byteLength))
  out.set(src as never)
  return out
}

/** Splits rows 0..n into `parts` contiguous ranges with roughly equal weight (e.g. interactions per row + a constant). */
export function splitRows(indptr: Int32Array, n: number, parts: number, rowCost: number): Array<[number, number]> {
  const total = (indptr[n]! - indptr[0]!) + rowCost * n
  const out: Array<[number, number]> = []
  let start = 0
  for (let p = 1; p <= parts; p++) {
    const target = (total * p) / parts
    let end = start
    if (p === parts) end = n
    else while (end < n && indptr[end]! - indptr[0]! + rowCost * end < target) end++
    out.push([start, end])
    start = end
  }
  return out
}
