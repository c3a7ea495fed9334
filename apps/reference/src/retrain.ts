import { fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { IdVocabulary, RecForgeError, resolveParams, type Interactions, type ItemSideInfo, type ModelRegistry, type ParamValues, type RecForgeErrorCode } from '@recforge/core'
import type { ServedModel } from './catalogue'
import { RequestError } from './errors'
import { writeGeneration, type GenerationManifest, type GenerationSource } from './generations'
import { ProgressReporter } from './progress'
import type { SqlStore } from './sql'

/** Interactions as plain arrays, for the message to the training process. */
export interface PlainInteractions {
  users: string[]
  items: string[]
  indptr: Int32Array
  indices: Int32Array
  values: Float32Array
  timestamps?: Float64Array
}

export function toPlain(d: Interactions): PlainInteractions {
  const n = d.indptr[d.users.size]!
  return {
    users: [...d.users.ids()],
    items: [...d.items.ids()],
    indptr: d.indptr.slice(0, d.users.size + 1),
    indices: d.indices.slice(0, n),
    values: d.values.slice(0, n),
    ...(d.timestamps ? { timestamps: d.timestamps.slice(0, n) } : {}),
  }
}

export function fromPlain(p: PlainInteractions): Interactions {
  return { users: new IdVocabulary(p.users), items: new IdVocabulary(p.items), indptr: p.indptr, indices: p.indices, values: p.values, ...(p.timestamps ? { timestamps: p.timestamps } : {}) }
}

/** Models to fit, with their registry parameters. */
export type ModelSpecs = { name: string; params: ParamValues }[]

/**
 * What the training process does. `retrain`: fit the models on the given data and write one
 * generation. `join` (the demo's slow models): load and split the data itself, fit and evaluate
 * the models one at a time, and write a generation after each that carries the models already
 * served.
 */
export type TrainJob =
  | { kind: 'retrain'; dir: string; source: GenerationSource; data: PlainInteractions; itemInfo?: ItemSideInfo; eventsThrough: number; models: ModelSpecs; seed: number }
  | { kind: 'join'; dir: string; source: GenerationSource; k: number; models: ModelSpecs; carry: { generation: string; names: string[] }; eventsThrough: number }

type WorkerMessage =
  | { type: 'log'; message: string }
  | { type: 'generation'; manifest: GenerationManifest }
  | { type: 'done' }
  | { type: 'error'; code: RecForgeErrorCode; message: string }

/** The hidden CLI command the training process runs. */
export const WORKER_COMMAND = '__train-worker'

/**
 * The entry the training process starts from: the built CLI next to this file, or the TypeScript
 * CLI (with tsx and the source condition) when running from sources.
 */
function workerEntry(): { file: string; execArgv: string[]; cwd?: string } {
  const here = fileURLToPath(import.meta.url)
  if (here.endsWith('.ts')) {
    const src = path.dirname(here)
    return { file: path.join(src, 'cli.ts'), execArgv: ['--conditions=@recforge/source', '--import', 'tsx'], cwd: path.dirname(src) }
  }
  return { file: path.join(path.dirname(here), 'cli.js'), execArgv: [] }
}

/** A retrain or join in progress, as `GET /admin/retrain` shows it. */
export interface TrainStatus {
  id: string
  kind: TrainJob['kind']
  status: 'running' | 'done' | 'failed'
  startedAt: string
  finishedAt?: string
  models: string[]
  generation?: string
  error?: string
}

const HEARTBEAT_MS = 5_000
/** A running retrain row whose heartbeat is older than this is taken as abandoned (its instance died). */
const STALE_SECONDS = 30

/**
 * Runs model training in a child process, one job at a time. A child process rather than a
 * worker thread: the fit needs the whole registry (TensorFlow.js included) and may take minutes,
 * a process keeps its memory and crashes apart from the server, and the project keeps worker
 * threads to its compute layer. With a shared database the slot is taken there too, so two
 * instances never retrain at once.
 */
export class Trainer {
  private current?: { status: TrainStatus; child?: ChildProcess; done: Promise<TrainStatus>; release: (s: TrainStatus) => void }
  private readonly history: TrainStatus[] = []

  constructor(
    private readonly opts: {
      /** Takes the cluster-wide slot (a row in `recforge_retrains`). */
      store?: SqlStore
      origin: string
      log?: (message: string) => void
      /** Called for each generation the job writes, before the job counts as done. */
      onGeneration: (manifest: GenerationManifest) => Promise<void>
    },
  ) {}

  /** The running job, if any. */
  running(): TrainStatus | undefined {
    return this.current && this.current.status.status === 'running' ? this.current.status : undefined
  }

  /** A job by id (the running one or one of the last few). */
  get(id: string): TrainStatus | undefined {
    return [...(this.current ? [this.current.status] : []), ...this.history].find((s) => s.id === id)
  }

  /**
   * Takes the training slot, here and (with a shared database) across instances.
   *
   * @throws RequestError 409 naming the running job's id.
   */
  async acquire(kind: TrainJob['kind'], models: string[]): Promise<TrainStatus> {
    const running = this.running()
    if (running) throw new RequestError('INVALID_ARGUMENT', `a ${running.kind} is running (id ${running.id}, since ${running.startedAt}); wait for it to finish`, { status: 409, details: { running: running.id } })
    const status: TrainStatus = { id: `${kind}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`, kind, status: 'running', startedAt: new Date().toISOString(), models }
    const s = this.opts.store
    if (s) {
      await s.query(`UPDATE recforge_retrains SET status = 'failed', error = 'abandoned: its instance stopped sending heartbeats', finished_at = now() WHERE status = 'running' AND heartbeat < now() - interval '${STALE_SECONDS} seconds'`)
      try {
        await s.query('INSERT INTO recforge_retrains (id, origin, status) VALUES ($1, $2, $3)', [status.id, this.opts.origin, 'running'])
      } catch (e) {
        const [other] = await s.query<{ id: string; started_at: string }>("SELECT id, started_at::text AS started_at FROM recforge_retrains WHERE status = 'running'")
        if (other) throw new RequestError('INVALID_ARGUMENT', `a retrain is running on another instance (id ${other.id}, since ${other.started_at}); wait for it to finish`, { status: 409, details: { running: other.id }, cause: e })
        throw e
      }
    }
    let release!: (s: TrainStatus) => void
    const done = new Promise<TrainStatus>((r) => (release = r))
    this.current = { status, done, release }
    return status
  }

  /**
   * Runs a job in the slot taken by {@link Trainer.acquire}: `prepare` builds it (reading the log
   * may take a moment), a child process runs it. Resolves when it has finished; never rejects.
   */
  async run(status: TrainStatus, prepare: () => Promise<TrainJob>): Promise<TrainStatus> {
    const cur = this.current
    if (!cur || cur.status !== status) throw new RecForgeError('INVALID_ARGUMENT', `job ${status.id} does not hold the training slot`)
    const release = cur.release
    const store = this.opts.store
    const beat = store ? setInterval(() => void store.query('UPDATE recforge_retrains SET heartbeat = now() WHERE id = $1', [status.id]).catch(() => {}), HEARTBEAT_MS) : undefined
    beat?.unref()
    const finish = async (error?: string) => {
      if (beat) clearInterval(beat)
      status.status = error === undefined ? 'done' : 'failed'
      status.finishedAt = new Date().toISOString()
      if (error !== undefined) status.error = error
      await store
        ?.query('UPDATE recforge_retrains SET status = $2, finished_at = now(), generation = $3, error = $4 WHERE id = $1', [status.id, status.status, status.generation ?? null, error ?? null])
        .catch(() => {})
      this.history.unshift(status)
      this.history.length = Math.min(this.history.length, 10)
      release(status)
    }
    let job: TrainJob
    try {
      job = await prepare()
    } catch (e) {
      await finish(`could not prepare the ${status.kind}: ${(e as Error).message}`)
      return cur.done
    }
    const entry = workerEntry()
    const child = fork(entry.file, [WORKER_COMMAND], {
      execArgv: entry.execArgv,
      ...(entry.cwd ? { cwd: entry.cwd } : {}),
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    })
    cur.child = child
    let failure: string | undefined
    let chain = Promise.resolve()
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'log') this.opts.log?.(m.message)
      else if (m.type === 'generation') {
        chain = chain.then(async () => {
          try {
            await this.opts.onGeneration(m.manifest)
            status.generation = m.manifest.generation
          } catch (e) {
            failure ??= `generation ${m.manifest.generation} was written but could not be served: ${(e as Error).message}`
          }
        })
      } else if (m.type === 'error') failure ??= m.message
    })
    child.on('error', (e) => (failure ??= `the training process failed: ${e.message}`))
    child.on('exit', (code, signal) => {
      if (code !== 0 && failure === undefined) failure = `the training process exited with ${signal ?? `code ${code}`}`
      void chain.then(() => finish(failure))
    })
    child.send(job)
    return cur.done
  }

  /** Stops a running job (its temporary folder is removed at the next start). */
  async stop(): Promise<void> {
    const cur = this.current
    if (!cur || cur.status.status !== 'running' || !cur.child) return
    cur.child.kill('SIGTERM')
    await cur.done
  }
}

/** Fits one model (in the training process). */
async function fitOne(registry: ModelRegistry, spec: { name: string; params: ParamValues }, data: Interactions, itemInfo: ItemSideInfo | undefined, seed: number, say: (m: string) => void): Promise<ServedModel> {
  const def = registry.get(spec.name)
  const params = resolveParams(def, spec.params)
  const model = def.create(params)
  const reporter = new ProgressReporter(spec.name)
  const t0 = Date.now()
  await model.fit(data, { seed, ...(itemInfo ? { itemInfo } : {}), onProgress: reporter.onProgress })
  say(`${spec.name}: fitted on ${data.indptr[data.users.size]} interactions in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  return { name: spec.name, model, params, trainedAt: new Date().toISOString() }
}

/**
 * The training process: reads one job from its parent, fits, writes generations, reports each
 * and exits. Errors are sent as messages (with the RecForgeError code) before a non-zero exit.
 */
export async function runTrainWorker(registry: ModelRegistry): Promise<number> {
  const send = (m: WorkerMessage) => new Promise<void>((resolve) => process.send!(m, undefined, undefined, () => resolve()))
  if (!process.send) {
    process.stderr.write(`recforge ${WORKER_COMMAND} is started by \`recforge serve\`; it reads its job from the parent process\n`)
    return 2
  }
  const job = await new Promise<TrainJob>((resolve) => process.once('message', (m) => resolve(m as TrainJob)))
  const say = (message: string) => void send({ type: 'log', message })
  try {
    if (job.kind === 'retrain') {
      const data = fromPlain(job.data)
      const models: ServedModel[] = []
      for (const spec of job.models) models.push(await fitOne(registry, spec, data, job.itemInfo, job.seed, say))
      const manifest = await writeGeneration(job.dir, { source: job.source, data, ...(job.itemInfo ? { itemInfo: job.itemInfo } : {}), eventsThrough: job.eventsThrough, models })
      await send({ type: 'generation', manifest })
    } else {
      const { prepareSplits, evaluatePrepared } = await import('./evaluate')
      const prepared = await prepareSplits({ data: job.source.data, model: job.models[0]!.name, protocol: job.source.protocol, seed: job.source.seed })
      const data = prepared.splits[0]!.train
      let carry = job.carry
      for (const spec of job.models) {
        let fitted: ServedModel['model'] | undefined
        const reporter = new ProgressReporter(spec.name)
        const row = await evaluatePrepared(registry, spec.name, spec.params, prepared, { protocol: job.source.protocol, k: job.k, seed: job.source.seed, onProgress: reporter.onProgress, onFitted: (m) => (fitted ??= m) })
        say(`${spec.name}: ${Object.entries(row.metrics).slice(0, 2).map(([k, v]) => `${k}=${v}`).join(' ')} (fit ${row.timing.fitSeconds} s); joining the served models`)
        const manifest = await writeGeneration(job.dir, {
          source: job.source,
          data,
          ...(prepared.itemInfo ? { itemInfo: prepared.itemInfo } : {}),
          eventsThrough: job.eventsThrough,
          models: [{ name: spec.name, model: fitted!, params: spec.params, metrics: row.metrics, timing: row.timing, trainedAt: new Date().toISOString() }],
          carry,
        })
        await send({ type: 'generation', manifest })
        carry = { generation: manifest.generation, names: [...carry.names, spec.name] }
      }
    }
    await send({ type: 'done' })
    return 0
  } catch (e) {
    const code: RecForgeErrorCode = e instanceof RecForgeError ? e.code : 'IO_ERROR'
    await send({ type: 'error', code, message: (e as Error).message })
    return 1
  }
}
