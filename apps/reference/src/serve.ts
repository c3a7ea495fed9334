import type { AddressInfo } from 'node:net'
import { existsSync } from 'node:fs'
import { isRecForgeError, resolveParams, type Interactions, type ItemSideInfo, type ModelRegistry } from '@recforge/core'
import { loadArtifactsFile, saveArtifactsFile } from '@recforge/core/node'
import { createPolicy } from '@recforge/rl'
import { createServer, type ReportData } from './server'
import { RecService, type ServedModel } from './service'
import { ProgressReporter } from './progress'

export interface StartOptions {
  registry: ModelRegistry
  /** The interactions the models were trained on (served as users' histories). */
  data: Interactions
  itemInfo?: ItemSideInfo
  models: ServedModel[]
  /** Defaults to `127.0.0.1`. */
  host?: string
  /** `0` picks a free port. Defaults to `8080`. */
  port?: number
  ab?: { a: string; b: string }
  /**
   * A bandit policy of `@recforge/rl` served as model `bandit` over the default model's top 50
   * items and updated by feedback (`'none'` for no bandit). Linear policies use vectors fitted on
   * `data`. Defaults to `'thompson'`.
   */
  bandit?: string
  /** The model whose top items the bandit chooses among. Defaults to the default model. */
  banditBase?: string
  /**
   * Where the bandit's learned state lives: restored at start when the file holds the same
   * policy's state, written (atomically) within a few seconds of new feedback and on close.
   * Defaults to none: the bandit starts fresh and is not saved (`serve` and `demo` pass
   * `<model-dir>/bandit.rfa`).
   */
  banditStateFile?: string
  apiKey?: string
  report?: ReportData
  log?: (message: string) => void
  /** Called after a successful retrain, e.g. to save the new models. */
  onRetrained?: (models: ServedModel[]) => Promise<void>
  reload?: () => Promise<ServedModel[]>
}

/** Fits fresh models of the same names on `service.currentInteractions()` and swaps them in. */
export async function retrainService(service: RecService, registry: ModelRegistry, seed = 42, log?: (m: string) => void): Promise<ServedModel[]> {
  const data = service.currentInteractions()
  const models: ServedModel[] = []
  for (const name of service.modelNames()) {
    const def = registry.get(name)
    const params = resolveParams(def, service.model(name).params ?? {})
    const fresh = def.create(params)
    const reporter = new ProgressReporter(name, !log)
    await fresh.fit(data, { seed, ...(service.opts.itemInfo ? { itemInfo: service.opts.itemInfo } : {}), onProgress: reporter.onProgress })
    models.push({ name, model: fresh, params, trainedAt: new Date().toISOString() })
    log?.(`retrained ${name} on ${data.indptr[data.users.size]} interactions`)
  }
  service.rebase(data, models)
  return models
}

/** Starts the HTTP server over served models; resolves with its URL once it listens. */
export async function startServing(opts: StartOptions): Promise<{ url: string; close: () => Promise<void>; service: RecService }> {
  const service = new RecService({
    data: opts.data,
    ...(opts.itemInfo ? { itemInfo: opts.itemInfo } : {}),
    models: opts.models,
    ...(opts.ab ? { ab: opts.ab } : {}),
    ...(opts.bandit !== 'none'
      ? { bandit: { policy: createPolicy(opts.bandit ?? 'thompson', {}, { warmup: opts.data }), ...(opts.banditBase ? { base: opts.banditBase } : {}) } }
      : {}),
  })
  const app = createServer({
    service,
    ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
    ...(opts.report ? { report: opts.report } : {}),
    retrain: async () => {
      const models = await retrainService(service, opts.registry, 42, opts.log)
      await opts.onRetrained?.(models)
    },
    ...(opts.reload
      ? {
          reload: async () => {
            service.setModels(await opts.reload!())
          },
        }
      : {}),
  })
  const persist = opts.banditStateFile ? await persistBandit(service, opts.banditStateFile, opts.log) : undefined
  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 8080 })
  const addr = app.server.address() as AddressInfo
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
  return {
    url: `http://${host}:${addr.port}/`,
    close: async () => {
      await app.close()
      await persist?.stop()
    },
    service,
  }
}

/** How often the bandit's state is written when it has learned something new. */
const BANDIT_SAVE_MS = 2000

/**
 * Restores the bandit from `file` (when it holds the same policy's state; another policy's state
 * is left alone with a log line), then saves it every {@link BANDIT_SAVE_MS} while it changes.
 */
async function persistBandit(service: RecService, file: string, log?: (m: string) => void): Promise<{ stop: () => Promise<void> } | undefined> {
  const policy = service.stats().bandit?.policy
  if (!policy) return undefined
  if (existsSync(file)) {
    try {
      service.restoreBandit(await loadArtifactsFile(file))
      log?.(`bandit: restored ${policy} from ${file} (${service.stats().bandit!.updates} updates so far)`)
    } catch (e) {
      if (!isRecForgeError(e)) throw e
      log?.(`bandit: not restoring ${file}: ${e.message}; starting fresh, the file will be overwritten`)
    }
  }
  let saved = service.stats().bandit!.updates
  let writing: Promise<void> = Promise.resolve()
  const save = () => {
    const updates = service.stats().bandit!.updates
    if (updates === saved) return writing
    saved = updates
    writing = writing.then(() => saveArtifactsFile(file, service.banditState()!)).catch((e: unknown) => log?.(`bandit: could not save ${file}: ${String(e)}`))
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
