import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, RouteShorthandOptions } from 'fastify'
import { encodeArtifacts, RecForgeError, type Recommender } from '@recforge/core'
import { renderDevicePage } from './devicePage'
import type { RecService } from './service'

/** Models whose class the on-device page bundles (from `@recforge/mf`), by registry name. */
export const DEVICE_MODELS: readonly string[] = ['als', 'bpr']

/**
 * The artifacts of a fitted factor model with every user taken out: no user ids, no histories,
 * no user vectors. What is left (the item vocabulary, the item factors and the config) is what
 * the page needs to fold a new user in, and all it learns about the catalogue.
 *
 * @throws RecForgeError INVALID_ARGUMENT for a model the page cannot run.
 */
export async function itemOnlyArtifacts(model: Recommender<object>, name: string): Promise<Uint8Array> {
  if (typeof model.save !== 'function') throw new RecForgeError('INVALID_ARGUMENT', `model "${name}" cannot be saved, so it cannot run on the device`)
  const a = await model.save()
  if (!DEVICE_MODELS.includes(a.model)) {
    throw new RecForgeError('INVALID_ARGUMENT', `model "${name}" (${a.model}) cannot run on the device; the page folds users into ${DEVICE_MODELS.join(' or ')} models`)
  }
  const tensors: Record<string, Float32Array | Float64Array | Int32Array | Uint8Array> = { ...a.tensors, seenIndptr: new Int32Array(1), seenIndices: new Int32Array(0), seenValues: new Float32Array(0), userFactors: new Float32Array(0) }
  if (tensors.userBias) tensors.userBias = new Float32Array(0)
  return encodeArtifacts({ ...a, meta: { ...a.meta, users: [] }, tensors })
}

/** Item-only artifacts per served model object: a new generation brings new objects; feedback changes only user vectors. */
const artifactsCache = new WeakMap<object, Promise<Uint8Array>>()

/** The page's script: `deviceClient.ts` bundled for the browser, once per process, on first request. */
let script: Promise<string> | undefined

function clientEntry(): string {
  // from src (tests, tsx) the entry is beside this file; from dist it is in ../src
  for (const rel of ['./deviceClient.ts', '../src/deviceClient.ts']) {
    const f = fileURLToPath(new URL(rel, import.meta.url))
    if (existsSync(f)) return f
  }
  throw new RecForgeError('IO_ERROR', 'the on-device page script (src/deviceClient.ts) is not beside the app; run the app from its folder')
}

async function bundleClient(): Promise<string> {
  // loaded only for this page; a name in a variable, so the app's own bundle leaves esbuild out
  const name = 'esbuild'
  let esbuild: typeof import('esbuild')
  try {
    esbuild = (await import(/* @vite-ignore */ name)) as typeof import('esbuild')
  } catch (e) {
    throw new RecForgeError('MISSING_DEPENDENCY', `the on-device page bundles its script with esbuild, which is not installed; add it with \`npm i esbuild@0.27.7\``, { cause: e })
  }
  const out = await esbuild.build({
    entryPoints: [clientEntry()],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    conditions: ['@recforge/source'],
    // the compute layer imports node:os and node:worker_threads lazily, only under Node
    external: ['node:*'],
    minify: true,
    logLevel: 'silent',
  })
  return out.outputFiles[0]!.text
}

/** The model the page runs: `?model=`, else the default model when the page can run it, else the first that it can. */
function deviceModel(service: RecService, requested: string | undefined): string {
  if (requested !== undefined) return requested
  const names = service.modelNames()
  const runnable = names.filter((n) => DEVICE_MODELS.includes(n))
  if (runnable.includes(service.defaultModel)) return service.defaultModel
  if (runnable[0] !== undefined) return runnable[0]
  throw new RecForgeError('UNKNOWN_ID', `no served model can run on the device; serve one of ${DEVICE_MODELS.join(', ')} (serving ${names.join(', ')})`)
}

/** The `model` query parameter, when given. */
function modelQuery(query: unknown): string | undefined {
  const v = (query as Record<string, unknown> | undefined)?.model
  if (v !== undefined && (typeof v !== 'string' || v.length > 100)) throw new RecForgeError('INVALID_ARGUMENT', 'invalid query: model must be a model name')
  return v
}

/**
 * The on-device recommendations page: `GET /device` (the page), `/device/app.js` (its script),
 * `/device/items` (item ids and titles) and `/device/model` (the item-only artifacts of a factor
 * model). The user's likes never leave the page: it folds the user in and ranks every item itself.
 */
export function registerDeviceRoutes(app: FastifyInstance, service: RecService, read: RouteShorthandOptions): void {
  const page = renderDevicePage()
  app.get('/device', read, async (_req, reply) => reply.type('text/html; charset=utf-8').send(page))
  app.get('/device/app.js', read, async (_req, reply) => {
    script ??= bundleClient().catch((e: unknown) => {
      script = undefined
      throw e
    })
    return reply.type('text/javascript; charset=utf-8').send(await script)
  })
  app.get('/device/items', read, async (req) => {
    const name = deviceModel(service, modelQuery(req.query))
    service.model(name)
    const titles = service.served.itemInfo?.titles
    const ids = service.items.ids()
    return { model: name, ids, titles: ids.map((id, i) => titles?.[i] ?? id) }
  })
  app.get('/device/model', read, async (req, reply) => {
    const name = deviceModel(service, modelQuery(req.query))
    const served = service.model(name).model
    let bytes = artifactsCache.get(served)
    if (!bytes) {
      bytes = itemOnlyArtifacts(served, name)
      artifactsCache.set(served, bytes)
      bytes.catch(() => artifactsCache.delete(served))
    }
    const b = await bytes
    return reply.type('application/octet-stream').header('cache-control', 'no-store').send(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
  })
}
