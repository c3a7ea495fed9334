/*
 * The one place in RecForge that starts threads: Node `worker_threads` (loaded with a dynamic
 * import) or browser Web Workers (from a Blob URL). Workers run a script generated at build time
 * from a package's worker entry, so kernels are ordinary modules; the calling thread runs the
 * very same functions, which keeps results independent of how many threads did the work.
 */
import { RecForgeError, type RecForgeErrorCode } from '@recforge/core'
import { isNode, loadNodeWorker, loadedNodeWorker } from './environment'
import { PORT_GLOBAL, type KernelArgs, type KernelResult, type KernelTable, type TaskMessage, type WorkerMessage, type WorkerScript } from './kernel'
import { threadsAvailable } from './threads'

/** Options of {@link createPool}. */
export interface PoolOptions<T extends KernelTable> {
  /** The kernels, run directly on the calling thread; the script must serve the same table. */
  readonly kernels: T
  /** The generated worker script that serves `kernels` (a `*.worker.generated.ts` module). */
  readonly script: WorkerScript
  /** Threads to run on, the calling thread included (see `resolveThreads`); 1 starts no worker. */
  readonly threads: number
  /** How long each worker may take to report ready before the pool gives up on threads. Defaults to `10000` ms. */
  readonly startTimeoutMs?: number
}

/** One started worker, whatever the runtime. */
interface ThreadHandle {
  post(message: TaskMessage): void
  terminate(): Promise<void>
  /** Where the runtime's events go; replaced once the worker is ready. */
  readonly events: { message?: (m: WorkerMessage) => void; failure?: (why: string, cause?: unknown) => void }
}

interface Pending {
  readonly kernel: string
  readonly thread: number
  resolve(value: unknown): void
  reject(error: unknown): void
}

// The prelude each worker runs before the script: it hands serveKernels a port to talk through.
const NODE_PRELUDE = `'use strict';
globalThis.${PORT_GLOBAL} = (() => {
  const { parentPort } = require('node:worker_threads');
  return { post: (m, t) => parentPort.postMessage(m, t), listen: (fn) => parentPort.on('message', fn) };
})();
`
const BROWSER_PRELUDE = `'use strict';
self.${PORT_GLOBAL} = { post: (m, t) => self.postMessage(m, t), listen: (fn) => self.addEventListener('message', (e) => fn(e.data)) };
`

/**
 * Threads that run the kernels of one table: the calling thread plus `threads - 1` workers.
 * Created with {@link createPool}, which falls back to a one-thread pool (no worker, the same
 * kernels on the calling thread, the same results) where workers cannot start or memory cannot be
 * shared. Close it when done.
 */
export class KernelPool<T extends KernelTable> {
  /** Threads that run tasks, the calling thread included; 1 when no worker runs. */
  readonly threads: number
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private closed = false
  private failure: RecForgeError | undefined

  /** @internal Use {@link createPool}. */
  constructor(
    private readonly kernels: T,
    private readonly workers: readonly ThreadHandle[],
    private readonly scriptName: string,
  ) {
    this.threads = workers.length + 1
    workers.forEach((w, i) => {
      w.events.message = (m) => this.answer(m)
      w.events.failure = (why, cause) => this.fail(i + 1, why, cause)
    })
  }

  /** Whether tasks run on several threads, so arrays they write must live on shared memory. */
  get shared(): boolean {
    return this.threads > 1
  }

  /**
   * Runs one task per entry of `tasks`, task t on thread `t % threads` (thread 0 is the calling
   * thread, which runs its tasks after handing out the others), and resolves with the results in
   * task order once every task has finished.
   *
   * @example
   * ```ts
   * const pool = await createPool({ kernels, script: kernelsWorker, threads: 2 })
   * try {
   *   await pool.run('rows', [{ start: 0, end: 500, out }, { start: 500, end: 1000, out }])
   * } finally {
   *   await pool.close()
   * }
   * ```
   * @throws RecForgeError BACKEND_UNAVAILABLE naming the kernel when it throws on a worker (a
   *   RecForgeError keeps its code), when a worker crashes or exits, or when the pool is closed;
   *   a task on the calling thread throws what the kernel throws.
   */
  async run<K extends keyof T & string>(kernel: K, tasks: readonly KernelArgs<T, K>[]): Promise<KernelResult<T, K>[]> {
    if (this.closed) throw new RecForgeError('BACKEND_UNAVAILABLE', `cannot run kernel "${kernel}": the pool is closed`)
    if (this.failure) throw new RecForgeError('BACKEND_UNAVAILABLE', `cannot run kernel "${kernel}": ${this.failure.message}`, { cause: this.failure })
    const fn = this.kernels[kernel] as unknown as ((args: KernelArgs<T, K>) => KernelResult<T, K>) | undefined
    if (fn === undefined) throw new RecForgeError('INVALID_ARGUMENT', `no kernel "${kernel}" in this pool; it has ${Object.keys(this.kernels).join(', ')}`)
    const results = new Array<KernelResult<T, K>>(tasks.length)
    const remote: Promise<void>[] = []
    for (let t = 0; t < tasks.length; t++) {
      const thread = t % this.threads
      if (thread > 0) remote.push(this.post(thread, kernel, tasks[t]).then((r) => void (results[t] = r as KernelResult<T, K>)))
    }
    let local: { error: unknown } | undefined
    try {
      for (let t = 0; t < tasks.length; t += this.threads) results[t] = fn(tasks[t]!)
    } catch (error) {
      local = { error }
    }
    // wait for every worker even after a failure, so none still writes shared memory when this returns
    const settled = await Promise.allSettled(remote)
    if (local) throw local.error
    for (const s of settled) if (s.status === 'rejected') throw s.reason
    return results
  }

  /** Stops every worker; the pool then refuses new tasks. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const p of this.pending.values()) p.reject(new RecForgeError('BACKEND_UNAVAILABLE', `kernel "${p.kernel}" did not finish: the pool was closed`))
    this.pending.clear()
    await Promise.all(this.workers.map((w) => w.terminate().catch(() => undefined)))
  }

  private post(thread: number, kernel: string, args: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++
      this.pending.set(id, { kernel, thread, resolve, reject })
      try {
        this.workers[thread - 1]!.post({ id, kernel, args })
      } catch (e) {
        this.pending.delete(id)
        reject(new RecForgeError('BACKEND_UNAVAILABLE', `kernel "${kernel}": its arguments cannot be sent to worker thread ${thread} (${(e as Error).message})`, { cause: e }))
      }
    })
  }

  private answer(m: WorkerMessage): void {
    if (!('id' in m)) return
    const p = this.pending.get(m.id)
    if (!p) return
    this.pending.delete(m.id)
    if (m.ok) {
      p.resolve(m.result)
      return
    }
    const firstLine = m.message.split('\n', 1)[0]!
    const cause = Object.assign(new Error(firstLine), { stack: m.message })
    const code = (m.code ?? 'BACKEND_UNAVAILABLE') as RecForgeErrorCode
    p.reject(new RecForgeError(code, `kernel "${p.kernel}" failed on worker thread ${p.thread} (${this.scriptName}): ${firstLine}`, { cause }))
  }

  private fail(thread: number, why: string, cause?: unknown): void {
    if (this.closed) return
    this.failure ??= new RecForgeError('BACKEND_UNAVAILABLE', `worker thread ${thread} of ${this.scriptName} ${why}`, { cause })
    for (const [id, p] of this.pending) {
      if (p.thread !== thread) continue
      this.pending.delete(id)
      p.reject(new RecForgeError('BACKEND_UNAVAILABLE', `kernel "${p.kernel}" did not finish: worker thread ${thread} of ${this.scriptName} ${why}`, { cause }))
    }
  }
}

/**
 * Starts a pool of `threads - 1` workers running `script` beside the calling thread, and waits
 * until each has reported the kernels it serves. Never throws for lack of threads: with
 * `threads <= 1`, where threads or shared memory are unavailable, or when a worker fails to start
 * (or serves other kernels than `kernels`), it resolves to a one-thread pool that runs the same
 * kernels on the calling thread.
 *
 * @example
 * ```ts
 * import { createPool, resolveThreads } from '@recforge/compute'
 * import { kernels } from './internal/kernels'
 * import { kernelsWorker } from './internal/kernels.worker.generated'
 *
 * const threads = await resolveThreads(options.threads, { work: rows, minWork: 10_000 })
 * const pool = await createPool({ kernels, script: kernelsWorker, threads })
 * ```
 */
export async function createPool<T extends KernelTable>(opts: PoolOptions<T>): Promise<KernelPool<T>> {
  const threads = Math.max(1, Math.floor(opts.threads))
  const name = opts.script.name
  if (threads === 1 || !threadsAvailable()) return new KernelPool(opts.kernels, [], name)
  const started: ThreadHandle[] = []
  let revoke: (() => void) | undefined
  try {
    // with worker_threads already loaded (resolveThreads loads it), the workers start before the
    // first await, so they boot while the caller goes on preparing (see withPool)
    const spawner = isNode() ? nodeSpawner(loadedNodeWorker() ?? (await loadNodeWorker()), opts.script.code) : browserSpawner(opts.script.code)
    revoke = spawner.revoke
    for (let i = 0; i < threads - 1; i++) started.push(spawner.spawn())
    const want = Object.keys(opts.kernels)
    await Promise.all(started.map((w) => ready(w, want, opts.startTimeoutMs ?? 10_000)))
  } catch {
    await Promise.all(started.map((w) => w.terminate().catch(() => undefined)))
    return new KernelPool(opts.kernels, [], name)
  } finally {
    revoke?.()
  }
  return new KernelPool(opts.kernels, started, name)
}

/**
 * Runs `fn` with a pool started from `opts` and closes the pool afterwards, also when `fn` throws.
 * `fn` receives the pool while it starts: work done before awaiting it runs on the calling thread
 * while the workers boot.
 *
 * @example
 * ```ts
 * const threads = await resolveThreads(options.threads, { work: items, minWork: 768 })
 * await withPool({ kernels, script: kernelsWorker, threads }, async (starting) => {
 *   const csr = prepare(data) // while the workers start
 *   const pool = await starting
 *   await pool.run('rows', tasks(csr, pool.threads))
 * })
 * ```
 */
export async function withPool<T extends KernelTable, R>(opts: PoolOptions<T>, fn: (starting: Promise<KernelPool<T>>) => Promise<R>): Promise<R> {
  const starting = createPool(opts)
  try {
    return await fn(starting)
  } finally {
    await (await starting).close()
  }
}

/** Resolves when `w` reports ready serving every kernel of `want`; rejects on failure or timeout. */
function ready(w: ThreadHandle, want: readonly string[], timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start within ${timeoutMs} ms`)), timeoutMs)
    const done = (error?: Error) => {
      clearTimeout(timer)
      w.events.message = undefined
      w.events.failure = undefined
      if (error) reject(error)
      else resolve()
    }
    w.events.message = (m) => {
      if (!('ready' in m)) return done(new Error('unexpected first message from worker'))
      const missing = want.filter((k) => !m.kernels.includes(k))
      done(missing.length > 0 ? new Error(`worker script lacks kernels ${missing.join(', ')}`) : undefined)
    }
    w.events.failure = (why, cause) => done(new Error(`worker ${why}`, { cause }))
  })
}

interface Spawner {
  spawn(): ThreadHandle
  revoke?: () => void
}

function nodeSpawner(Worker: Awaited<ReturnType<typeof loadNodeWorker>>, code: string): Spawner {
  const source = NODE_PRELUDE + code
  return {
    spawn: () => {
      const w = new Worker(source, { eval: true })
      const handle: ThreadHandle = {
        post: (m) => w.postMessage(m),
        terminate: async () => void (await w.terminate()),
        events: {},
      }
      w.on('message', (m: WorkerMessage) => handle.events.message?.(m))
      w.on('error', (e: Error) => handle.events.failure?.(`threw ${e.message}`, e))
      w.on('exit', (exitCode: number) => handle.events.failure?.(`exited with code ${exitCode}`))
      return handle
    },
  }
}

function browserSpawner(code: string): Spawner {
  const url = URL.createObjectURL(new Blob([BROWSER_PRELUDE, code], { type: 'text/javascript' }))
  return {
    spawn: () => {
      const w = new Worker(url)
      const handle: ThreadHandle = {
        post: (m) => w.postMessage(m),
        terminate: async () => w.terminate(),
        events: {},
      }
      w.addEventListener('message', (e: MessageEvent<WorkerMessage>) => handle.events.message?.(e.data))
      w.addEventListener('error', (e: ErrorEvent) => handle.events.failure?.(`threw ${e.message}`, e))
      w.addEventListener('messageerror', () => handle.events.failure?.('received a message it could not read'))
      return handle
    },
    revoke: () => URL.revokeObjectURL(url),
  }
}
