import type { AddressInfo } from 'node:net'
import { rename, stat } from 'node:fs/promises'
import path from 'node:path'
import { RecForgeError, type Interactions, type ItemSideInfo, type ModelRegistry } from '@recforge/core'
import { loadArtifactsFile, saveArtifactsFile } from '@recforge/core/node'
import { createPolicy } from '@recforge/rl'
import { createServer, type ReportData, type SecurityOptions } from './server'
import { RecService, type ServedModel } from './service'
import { MemoryEventLog, SqlEventLog, type EventLog, type StoredRecord } from './eventlog'
import { cleanModelDir, readGeneration, type GenerationManifest, type GenerationSource, type LoadedGeneration } from './generations'
import { LiveState } from './live'
import { dropGenerationsBeforeErasure, eraseUser, Erasures, withoutErased } from './erasure'
import { mapUserIdsOnTheFly, pseudonymiserFor, samePseudonyms, UserIdMapper } from './privacy'
import type { Pseudonymiser } from '@recforge/privacy'
import { MAX_ID_LENGTH } from './server'
import { atRestFileOptions } from './atrest'
import { openFolderStore } from './sealedStore'
import { toPlain, Trainer, type TrainStatus } from './retrain'
import { openServerStore, type SqlStore } from './sql'

export interface StartOptions {
  registry: ModelRegistry
  /**
   * The model folder: its current generation is served, retrains write new generations there,
   * and (without `database`) the event log lives in `<modelDir>/eventlog`. Without a folder the
   * service serves `data` and `models` with a log in memory, and cannot retrain.
   */
  modelDir?: string
  /** A PostgreSQL connection string for the event log (shared by every instance using it). Defaults to `DATABASE_URL`, else the embedded store. */
  database?: string
  /** Without `modelDir`: the interactions the models were trained on (served as users' histories). */
  data?: Interactions
  itemInfo?: ItemSideInfo
  /** Without `modelDir`: the models to serve. */
  models?: ServedModel[]
  /** Defaults to `127.0.0.1`. */
  host?: string
  /** `0` picks a free port. Defaults to `8080`. */
  port?: number
  ab?: { a: string; b: string }
  /**
   * A bandit policy of `@recforge/rl` served as model `bandit` over the default model's top 50
   * items and updated by feedback (`'none'` for no bandit). Linear policies use vectors fitted on
   * the served data. Defaults to `'thompson'`.
   */
  bandit?: string
  /** The model whose top items the bandit chooses among. Defaults to the default model. */
  banditBase?: string
  /**
   * Where the bandit's learned state lives: restored at start when the file holds the same
   * policy's state, written (atomically) within a few seconds of new feedback and on close.
   * Defaults to `<modelDir>/bandit.rfa`, or none without a model folder.
   */
  banditStateFile?: string
  /** API key for admin routes. Defaults to `RECFORGE_API_KEY`. */
  apiKey?: string
  /** Keys, limits and headers of the HTTP layer. */
  security?: SecurityOptions
  /** Feedback values outside this range are refused. Defaults to -100..100. */
  valueRange?: { min: number; max: number }
  report?: ReportData
  /** Models still training (listed by `GET /models` until a generation brings them). */
  training?: string[]
  log?: (message: string) => void
  /** How often a shared log is read for other instances' events and generations. Defaults to `200` ms. */
  pollMs?: number
  /**
   * Maps the raw user ids of requests to pseudonyms (and back in answers), for models and a log
   * that hold pseudonyms only. A pseudonymised generation needs it, or `RECFORGE_PSEUDONYM_KEY`.
   * Defaults to none (raw ids), or the key from the environment for a pseudonymised generation.
   */
  pseudonymiser?: Pseudonymiser
}

/** A running server. */
export interface Serving {
  url: string
  service: RecService
  trainer?: Trainer
  /** Starts a retrain (the models of the served generation refitted on its data plus the logged events); `done` resolves when it has finished. */
  retrain?: () => Promise<{ status: TrainStatus; done: Promise<TrainStatus> }>
  /** Graceful stop: no new connections, in-flight requests finish, the log is flushed, the bandit saved, the store closed. */
  close: () => Promise<void>
}

function generationContents(gen: LoadedGeneration) {
  return { data: gen.data, ...(gen.itemInfo ? { itemInfo: gen.itemInfo } : {}), models: gen.models, generation: gen.name, eventsThrough: gen.manifest.eventsThrough }
}

async function openLog(opts: StartOptions): Promise<{ log: EventLog; store?: SqlStore }> {
  const url = opts.database ?? process.env.DATABASE_URL
  if (url) {
    const store = await openServerStore(url)
    return { log: new SqlEventLog(store), store }
  }
  if (opts.modelDir) {
    const store = await openFolderStore(opts.modelDir)
    return { log: new SqlEventLog(store), store }
  }
  return { log: new MemoryEventLog() }
}

/** Reads every record in `(after, through]`. */
async function readRange(log: EventLog, after: number, through: number): Promise<StoredRecord[]> {
  const out: StoredRecord[] = []
  for (;;) {
    const page = await log.read(after, 10_000)
    for (const r of page) if (r.seq <= through) out.push(r)
    if (!page.length || page.at(-1)!.seq >= through) return out
    after = page.at(-1)!.seq
  }
}

/**
 * Starts the HTTP server: opens the event log, loads the current generation (or the given
 * models), replays the events newer than it, restores the bandit, and listens. Resolves once it
 * listens.
 *
 * @throws RecForgeError IO_ERROR when the model folder or the database cannot be used; PARSE_ERROR / CHECKSUM_MISMATCH naming a model file that does not check out.
 */
export async function startServing(opts: StartOptions): Promise<Serving> {
  const say = opts.log ?? (() => {})
  let gen: LoadedGeneration | undefined
  if (opts.modelDir) {
    for (const p of await cleanModelDir(opts.modelDir)) say(`removed ${p} (left by an interrupted write)`)
    gen = await readGeneration(opts.modelDir, opts.registry)
  } else if (!opts.data || !opts.models) {
    throw new RecForgeError('INVALID_ARGUMENT', 'startServing needs a modelDir, or data and models')
  }
  const pseudonymiser = gen ? await pseudonymiserFor(gen.manifest, gen.name, opts.pseudonymiser) : opts.pseudonymiser
  const { log, store } = await openLog(opts)
  const erasures = await Erasures.open(store)
  const swept = await erasures.sweep()
  if (swept) say(`erasure: deleted ${swept} leftover record(s) of erased users from ${log.where}`)
  const data = gen?.data ?? opts.data!
  const service = new RecService({
    data,
    ...(gen?.itemInfo ?? opts.itemInfo ? { itemInfo: (gen?.itemInfo ?? opts.itemInfo)! } : {}),
    models: gen?.models ?? opts.models!,
    ...(gen ? { generation: gen.name, eventsThrough: gen.manifest.eventsThrough } : {}),
    ...(opts.ab ? { ab: opts.ab } : {}),
    ...(opts.bandit !== 'none' ? { bandit: { policy: createPolicy(opts.bandit ?? 'thompson', {}, { warmup: data }), ...(opts.banditBase ? { base: opts.banditBase } : {}) } } : {}),
    eventLog: log,
    ...(opts.valueRange ? { valueRange: opts.valueRange } : {}),
    log: say,
    erased: (user) => erasures.has(user),
  })
  for (const m of opts.training ?? []) service.catalogue.training.add(m)
  const { replayed, lastSeq } = await service.start()
  if (replayed) say(`replayed ${replayed} logged event(s) after generation ${gen?.name ?? '(none)'} from ${log.where}`)
  let cursor = lastSeq

  const dir = opts.modelDir
  const serveGeneration = async (name: string): Promise<void> => {
    if (!dir || name === service.served.generation) return
    const next = await readGeneration(dir, opts.registry, name)
    samePseudonyms(gen!.manifest, next.manifest, name)
    service.swap(generationContents(next))
    addToReport(opts.report, next.models)
    cursor = Math.max(cursor, next.manifest.eventsThrough)
    say(`serving generation ${name} (${next.models.map((m) => m.name).join(', ')}; events through ${next.manifest.eventsThrough})`)
  }
  const publish = async (m: GenerationManifest): Promise<void> => {
    await serveGeneration(m.generation)
    await store?.query('INSERT INTO recforge_generations (name, events_through, origin) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [m.generation, m.eventsThrough, log.origin])
    for (const f of await dropGenerationsBeforeErasure(dir!, erasures)) say(`erasure: removed ${f}, written before the last erasure`)
  }
  const trainer = dir ? new Trainer({ ...(store?.shared ? { store } : {}), origin: log.origin, log: say, onGeneration: publish }) : undefined
  const source: GenerationSource | undefined = gen
    ? { data: gen.manifest.data, dataset: gen.manifest.dataset, protocol: gen.manifest.protocol, seed: gen.manifest.seed, ...(gen.manifest.pseudonyms ? { pseudonyms: gen.manifest.pseudonyms } : {}) }
    : undefined

  const retrain = trainer && source
    ? async (): Promise<{ status: TrainStatus; done: Promise<TrainStatus> }> => {
        const models = service.modelNames().map((name) => ({ name, params: { ...(service.model(name).params ?? {}) } }))
        const status = await trainer.acquire('retrain', models.map((m) => m.name))
        const done = trainer.run(status, async () => {
          const through = await log.snapshot()
          const base = service.served
          const records = await readRange(log, base.eventsThrough, through)
          const { data: merged, dropped } = withoutErased(LiveState.merge(base.data, records), erasures)
          say(`retrain ${status.id}: ${records.length} logged record(s) after generation ${base.generation}, up to #${through}${dropped ? `; ${dropped} erased user(s) left out` : ''}`)
          return { kind: 'retrain', dir: dir!, source, data: toPlain(merged), ...(base.itemInfo ? { itemInfo: base.itemInfo } : {}), eventsThrough: through, models, seed: source.seed }
        })
        return { status, done }
      }
    : undefined

  const app = createServer({
    service,
    ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
    ...(opts.security ? { security: opts.security } : {}),
    ...(opts.report ? { report: opts.report } : {}),
    ...(retrain && trainer ? { retrain, trainStatus: (id?: string) => (id ? trainer.get(id) : trainer.running()) } : {}),
    erase: (user) => eraseUser(user, { log, erasures }),
    ...(dir
      ? {
          reload: async () => {
            const next = await readGeneration(dir, opts.registry)
            samePseudonyms(gen!.manifest, next.manifest, next.name)
            service.swap(generationContents(next))
            cursor = Math.max(cursor, next.manifest.eventsThrough)
          },
        }
      : {}),
  })
  if (pseudonymiser) mapUserIdsOnTheFly(app, new UserIdMapper(pseudonymiser), MAX_ID_LENGTH)
  const banditFile = opts.banditStateFile ?? (dir ? path.join(dir, 'bandit.rfa') : undefined)
  const persist = banditFile ? await persistBandit(service, banditFile, say) : undefined

  // other instances' events and generations, on a shared database
  let polling: Promise<void> | undefined
  const poller =
    store?.shared && log instanceof SqlEventLog
      ? setInterval(() => {
          polling ??= (async () => {
            try {
              await erasures.refresh()
              for (;;) {
                const page = await log.readCommitted(cursor, 10_000)
                if (!page.length) break
                service.applyRemote(page)
                cursor = page.at(-1)!.seq
              }
              const [latest] = await store.query<{ name: string }>('SELECT name FROM recforge_generations ORDER BY created_at DESC, name DESC LIMIT 1')
              if (latest && latest.name !== service.served.generation && !trainer?.running()) await serveGeneration(latest.name)
            } catch (e) {
              say(`event log: could not read ${log.where}: ${(e as Error).message}`)
            }
          })().finally(() => (polling = undefined))
        }, opts.pollMs ?? 200)
      : undefined
  poller?.unref()

  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 8080 })
  const addr = app.server.address() as AddressInfo
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
  let closing: Promise<void> | undefined
  return {
    url: `http://${host}:${addr.port}/`,
    service,
    ...(trainer ? { trainer } : {}),
    ...(retrain ? { retrain } : {}),
    close: () =>
      (closing ??= (async () => {
        if (poller) clearInterval(poller)
        await polling
        await app.close()
        await trainer?.stop()
        await log.flush()
        await persist?.stop()
        await log.close()
        await store?.close()
      })()),
  }
}

/** Adds the evaluation rows of models that joined (the demo's slow models) to the page's comparison. */
function addToReport(report: ReportData | undefined, models: readonly ServedModel[]): void {
  if (!report) return
  const rows = report.rows as ReportData['rows'][number][]
  for (const m of models) if (m.metrics && m.timing && !rows.some((r) => r.model === m.name)) rows.push({ model: m.name, metrics: { ...m.metrics }, timing: m.timing })
}

/** How often the bandit's state is written when it has learned something new. */
const BANDIT_SAVE_MS = 2000

/**
 * Restores the bandit from `file` (when it holds the same policy's state), then saves it every
 * {@link BANDIT_SAVE_MS} while it changes. A file that cannot be read or restored is logged with
 * its path and moved aside (`<file>.corrupt-<time>`), and the bandit starts fresh.
 */
async function persistBandit(service: RecService, file: string, log: (m: string) => void): Promise<{ stop: () => Promise<void> } | undefined> {
  const policy = service.stats().bandit?.policy
  if (!policy) return undefined
  if (await stat(file).then(() => true, () => false)) {
    try {
      service.restoreBandit(await loadArtifactsFile(file, atRestFileOptions()))
      log(`bandit: restored ${policy} from ${file} (${service.stats().bandit!.updates} updates so far)`)
    } catch (e) {
      const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
      const moved = await rename(file, aside).then(() => true, () => false)
      log(`bandit: not restoring ${file}: ${(e as Error).message}; ${moved ? `moved it to ${aside}` : 'it will be overwritten'}; starting fresh`)
    }
  }
  let saved = service.stats().bandit!.updates
  let writing: Promise<void> = Promise.resolve()
  const save = () => {
    const updates = service.stats().bandit!.updates
    if (updates === saved) return writing
    saved = updates
    writing = writing.then(() => saveArtifactsFile(file, service.banditState()!, atRestFileOptions())).catch((e: unknown) => log(`bandit: could not save ${file}: ${String(e)}`))
    return writing
  }
  const timer = setInterval(() => void save(), BANDIT_SAVE_MS)
  timer.unref()
  return {
    stop: async () => {
      clearInterval(timer)
      await save()
    },
  }
}
