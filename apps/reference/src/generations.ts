import { createHash } from 'node:crypto'
import { link, mkdir, open, readFile, readdir, rename, rm, stat, copyFile } from 'node:fs/promises'
import path from 'node:path'
import { decodeArtifacts, encodeArtifacts, IdVocabulary, nnz, RecForgeError, type Interactions, type ItemSideInfo, type ModelArtifacts, type ModelRegistry, type ParamValues } from '@recforge/core'
import type { ServedModel } from './catalogue'
import { processAlive } from './sql'
import type { PseudonymInfo } from './privacy'
import { openAtRest, sealAtRest } from './atrest'

/**
 * A model folder holds generations: `generations/g-000007/` with the training data
 * (`data.rfa`), the item texts (`items.json`), one file per model and a `manifest.json`, and a
 * pointer file `CURRENT` naming the generation being served. A new generation is written to a
 * temporary folder, renamed into place whole, and only then does `CURRENT` switch (a file
 * renamed over the old one), so a crash at any moment leaves the old generation or the new one,
 * never a mix.
 */
export const GENERATION_FORMAT = 1

/** Where the models and data of a generation came from. */
export interface GenerationSource {
  /** The `--data` spec. */
  data: string
  /** The dataset's name (e.g. `movielens-latest`). */
  dataset: string
  /** `full` when trained on all of the data, else the protocol whose first training split was used. */
  protocol: string
  seed: number
  /** Set when the user ids are pseudonyms (`--pseudonymize`): how to check the key that maps raw ids to them. */
  pseudonyms?: PseudonymInfo
}

/** One model of a generation. */
export interface ManifestModel {
  /** The name requests use. */
  name: string
  /** The registry name of its class (what the file's artifacts say). */
  model: string
  /** The file in the generation folder. */
  file: string
  trainedAt: string
  params: ParamValues
  metrics?: Record<string, number>
  timing?: { fitSeconds: number; evalSeconds: number }
}

/** `manifest.json` of a generation. */
export interface GenerationManifest extends GenerationSource {
  format: number
  generation: string
  createdAt: string
  /** The last event-log record whose event is part of the training data; later ones are replayed on load. */
  eventsThrough: number
  /** The training data: checksums every model file must carry. */
  training: { fingerprint: string; vocabulary: string; users: number; items: number; interactions: number }
  models: ManifestModel[]
}

/** A generation read back and checked. */
export interface LoadedGeneration {
  name: string
  dir: string
  manifest: GenerationManifest
  data: Interactions
  itemInfo?: ItemSideInfo
  models: ServedModel[]
}

/** What {@link writeGeneration} writes. */
export interface NewGeneration {
  source: GenerationSource
  data: Interactions
  itemInfo?: ItemSideInfo
  eventsThrough: number
  /** Models fitted on `data`. */
  models: readonly ServedModel[]
  /** Models of an existing generation trained on the same data, linked into the new one unchanged. */
  carry?: { generation: string; names: readonly string[] }
}

const NAME = /^g-\d{6,}$/
const MODEL_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.rfm$/
/** Generations kept besides the current one. */
const KEEP_PREVIOUS = 1

/** The default model folder: `.recforge/models` under the working directory, or `RECFORGE_MODEL_DIR`. */
export function defaultModelDir(): string {
  return process.env.RECFORGE_MODEL_DIR ?? path.resolve('.recforge', 'models')
}

const generationsDir = (dir: string) => path.join(dir, 'generations')

function hex(h: ReturnType<typeof createHash>): string {
  return h.digest('hex').slice(0, 32)
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

/** Checksum of the user and item ids, in index order. */
export function vocabularyChecksum(data: Interactions): string {
  const h = createHash('sha256')
  for (const id of data.users.ids()) h.update(id).update('\n')
  h.update('\0')
  for (const id of data.items.ids()) h.update(id).update('\n')
  return hex(h)
}

/** Checksum of the interactions (ids, rows, values, timestamps). */
export function dataFingerprint(data: Interactions): string {
  const n = nnz(data)
  const h = createHash('sha256').update(`recforge-data-1 ${data.users.size} ${data.items.size} ${n}\n`).update(vocabularyChecksum(data))
  h.update(bytesOf(data.indptr.subarray(0, data.users.size + 1)))
  h.update(bytesOf(data.indices.subarray(0, n)))
  h.update(bytesOf(data.values.subarray(0, n)))
  if (data.timestamps) h.update(bytesOf(data.timestamps.subarray(0, n)))
  return hex(h)
}

function trainingOf(data: Interactions): GenerationManifest['training'] {
  return { fingerprint: dataFingerprint(data), vocabulary: vocabularyChecksum(data), users: data.users.size, items: data.items.size, interactions: nnz(data) }
}

/** The generation `CURRENT` names, or undefined for a folder without one. */
export async function currentGeneration(dir: string): Promise<string | undefined> {
  let text: string
  try {
    text = await readFile(path.join(dir, 'CURRENT'), 'utf8')
  } catch {
    return undefined
  }
  const name = text.trim()
  if (!NAME.test(name)) throw new RecForgeError('PARSE_ERROR', `${path.join(dir, 'CURRENT')}: expected a generation name such as g-000001; got ${JSON.stringify(text.slice(0, 80))}`, { location: { file: path.join(dir, 'CURRENT') } })
  return name
}

const number = (name: string) => Number(name.slice(2))

async function generationNames(dir: string): Promise<string[]> {
  let names: string[]
  try {
    names = await readdir(generationsDir(dir))
  } catch {
    return []
  }
  return names.filter((n) => NAME.test(n)).sort((a, b) => number(a) - number(b))
}

/** A test hook: `RECFORGE_CRASH_AT=n` kills the process (SIGKILL, like a crash) at the n-th step of a generation write. */
class CrashPoints {
  private n = 0
  step(what: string): void {
    this.n++
    const at = process.env.RECFORGE_CRASH_AT
    if (at !== undefined && Number(at) === this.n) {
      process.stderr.write(`recforge: crash injected at step ${this.n} (${what})\n`)
      process.kill(process.pid, 'SIGKILL')
    }
  }
}

async function writeDurable(file: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(file, 'wx')
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** The training data as a RecForge artifacts file (CSR tensors, ids in the header). */
function dataArtifacts(data: Interactions): ModelArtifacts {
  const n = nnz(data)
  return {
    model: 'recforge-interactions',
    formatVersion: 1,
    config: {},
    meta: { users: [...data.users.ids()], items: [...data.items.ids()] },
    tensors: {
      indptr: data.indptr.slice(0, data.users.size + 1),
      indices: data.indices.slice(0, n),
      values: data.values.slice(0, n),
      ...(data.timestamps ? { timestamps: data.timestamps.slice(0, n) } : {}),
    },
  }
}

function dataFromArtifacts(a: ModelArtifacts, file: string): Interactions {
  const users = a.meta?.['users']
  const items = a.meta?.['items']
  const { indptr, indices, values, timestamps } = a.tensors
  const ok =
    a.model === 'recforge-interactions' &&
    Array.isArray(users) &&
    Array.isArray(items) &&
    indptr instanceof Int32Array &&
    indices instanceof Int32Array &&
    values instanceof Float32Array &&
    indptr.length === users.length + 1 &&
    indices.length === values.length &&
    indptr[users.length] === indices.length &&
    (timestamps === undefined || (timestamps instanceof Float64Array && timestamps.length === indices.length))
  if (!ok) throw new RecForgeError('PARSE_ERROR', `${file}: not the training data of a generation (expected CSR tensors indptr, indices, values and user and item ids)`, { location: { file } })
  return {
    users: new IdVocabulary(users as string[]),
    items: new IdVocabulary(items as string[]),
    indptr,
    indices,
    values,
    ...(timestamps ? { timestamps: timestamps as Float64Array } : {}),
  }
}

/** The key in a model file's artifacts meta that records what it was trained on. */
const TRAINED_ON = 'trainedOn'

/**
 * Writes a new generation and makes it current. Each step is durable before the next (files
 * fsynced, then the folder, then the rename, then the pointer), so a crash leaves either the
 * old generation current or the new one, complete. Older generations beyond the previous one are
 * removed afterwards.
 *
 * @example
 * ```ts
 * await writeGeneration(dir, { source: { data: 'builtin', dataset: 'movielens-latest', protocol: 'full', seed: 42 }, data, eventsThrough: 0, models })
 * ```
 * @throws RecForgeError IO_ERROR when the folder cannot be written; INVALID_ARGUMENT for models of the same name, or carried models trained on other data.
 */
export async function writeGeneration(dir: string, gen: NewGeneration): Promise<GenerationManifest> {
  const crash = new CrashPoints()
  const training = trainingOf(gen.data)
  const names = [...(gen.carry?.names ?? []), ...gen.models.map((m) => m.name)]
  for (const n of names) {
    if (names.indexOf(n) !== names.lastIndexOf(n)) throw new RecForgeError('INVALID_ARGUMENT', `a generation has one model per name; "${n}" appears twice`)
    if (!MODEL_FILE.test(`${n}.rfm`)) throw new RecForgeError('INVALID_ARGUMENT', `model name "${n}" cannot name a file (letters, digits, ".", "_", "-")`)
  }
  let carried: { entry: ManifestModel; from: string }[] = []
  if (gen.carry) {
    const from = path.join(generationsDir(dir), gen.carry.generation)
    const m = await readManifest(from)
    if (m.training.fingerprint !== training.fingerprint) {
      throw new RecForgeError('INVALID_ARGUMENT', `cannot carry models of ${gen.carry.generation}: they were trained on data ${m.training.fingerprint}, the new generation has ${training.fingerprint}`)
    }
    carried = gen.carry.names.map((n) => {
      const entry = m.models.find((e) => e.name === n)
      if (!entry) throw new RecForgeError('UNKNOWN_ID', `generation ${gen.carry!.generation} has no model "${n}"`)
      return { entry, from: path.join(from, entry.file) }
    })
  }
  try {
    await mkdir(generationsDir(dir), { recursive: true })
    const existing = await generationNames(dir)
    let next = existing.length ? number(existing.at(-1)!) + 1 : 1
    const current = await currentGeneration(dir)
    if (current && number(current) >= next) next = number(current) + 1
    const tmp = path.join(generationsDir(dir), `.g-${process.pid}-${Date.now()}.tmp`)
    await mkdir(tmp)
    crash.step('temporary folder created')
    await writeDurable(path.join(tmp, 'data.rfa'), await sealAtRest(encodeArtifacts(dataArtifacts(gen.data))))
    crash.step('data written')
    if (gen.itemInfo) {
      await writeDurable(path.join(tmp, 'items.json'), JSON.stringify(gen.itemInfo))
      crash.step('item texts written')
    }
    const models: ManifestModel[] = []
    for (const { entry, from } of carried) {
      await link(from, path.join(tmp, entry.file)).catch(() => copyFile(from, path.join(tmp, entry.file)))
      models.push(entry)
      crash.step(`${entry.name} carried over`)
    }
    for (const m of gen.models) {
      const artifacts = await m.model.save()
      const file = `${m.name}.rfm`
      await writeDurable(path.join(tmp, file), await sealAtRest(encodeArtifacts({ ...artifacts, meta: { ...(artifacts.meta ?? {}), [TRAINED_ON]: { data: training.fingerprint, vocabulary: training.vocabulary } } })))
      models.push({ name: m.name, model: artifacts.model, file, trainedAt: m.trainedAt, params: { ...(m.params ?? {}) }, ...(m.metrics ? { metrics: { ...m.metrics } } : {}), ...(m.timing ? { timing: { ...m.timing } } : {}) })
      crash.step(`${m.name} written`)
    }
    for (;;) {
      const name = `g-${String(next).padStart(6, '0')}`
      const manifest: GenerationManifest = { format: GENERATION_FORMAT, generation: name, ...gen.source, createdAt: new Date().toISOString(), eventsThrough: gen.eventsThrough, training, models }
      await rm(path.join(tmp, 'manifest.json'), { force: true })
      await writeDurable(path.join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
      await syncDir(tmp)
      crash.step('manifest written')
      try {
        await rename(tmp, path.join(generationsDir(dir), name))
      } catch (e) {
        // another writer took this number in the meantime
        if ((e as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (e as NodeJS.ErrnoException).code === 'EEXIST') {
          next++
          continue
        }
        throw e
      }
      await syncDir(generationsDir(dir))
      crash.step('generation folder in place')
      const pointerTmp = path.join(dir, `.CURRENT.${process.pid}.${Date.now()}.tmp`)
      await writeDurable(pointerTmp, name + '\n')
      crash.step('new pointer written')
      await rename(pointerTmp, path.join(dir, 'CURRENT'))
      await syncDir(dir)
      crash.step('pointer switched')
      await pruneGenerations(dir, name)
      crash.step('old generations removed')
      return manifest
    }
  } catch (e) {
    if (e instanceof RecForgeError) throw e
    throw new RecForgeError('IO_ERROR', `could not write a generation in ${dir}: ${(e as Error).message}`, { cause: e })
  }
}

/** Removes generations older than the current one's predecessor. */
async function pruneGenerations(dir: string, current: string): Promise<void> {
  const older = (await generationNames(dir)).filter((n) => number(n) < number(current))
  for (const n of older.slice(0, Math.max(0, older.length - KEEP_PREVIOUS))) await rm(path.join(generationsDir(dir), n), { recursive: true, force: true })
}

/** The writer's pid in a temporary name (`.x.<pid>.<...>.tmp`, `.g-<pid>-<time>.tmp`), or undefined. */
function tmpOwner(name: string): number | undefined {
  const m = /^\.(?:g-(\d+)-\d+|.*?\.(\d+)\.[0-9a-z]+)\.tmp$/.exec(name)
  const pid = m ? Number(m[1] ?? m[2]) : Number.NaN
  return Number.isInteger(pid) ? pid : undefined
}

/**
 * Removes what interrupted writes left in a model folder: temporary files and generation folders
 * of processes that no longer run. Returns the paths removed.
 *
 * @example
 * ```ts
 * const removed = await cleanModelDir('.recforge/models')
 * ```
 * @throws never; files that cannot be removed stay.
 */
export async function cleanModelDir(dir: string): Promise<string[]> {
  const removed: string[] = []
  for (const folder of [dir, generationsDir(dir)]) {
    let names: string[]
    try {
      names = await readdir(folder)
    } catch {
      continue
    }
    for (const n of names) {
      if (!n.startsWith('.') || !n.endsWith('.tmp')) continue
      const pid = tmpOwner(n)
      if (pid !== undefined && processAlive(pid)) continue
      const p = path.join(folder, n)
      try {
        await rm(p, { recursive: true, force: true })
        removed.push(p)
      } catch {
        // left for the next start
      }
    }
  }
  return removed
}

function fail(file: string, what: string, code: 'PARSE_ERROR' | 'CHECKSUM_MISMATCH' | 'IO_ERROR' = 'PARSE_ERROR', cause?: unknown): never {
  throw new RecForgeError(code, `${file}: ${what}`, { location: { file }, ...(cause !== undefined ? { cause } : {}) })
}

async function readManifest(genDir: string): Promise<GenerationManifest> {
  const file = path.join(genDir, 'manifest.json')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    return fail(file, `cannot read the manifest (${(e as Error).message})`, 'IO_ERROR', e)
  }
  let m: GenerationManifest
  try {
    m = JSON.parse(text) as GenerationManifest
  } catch (e) {
    return fail(file, `not JSON (${(e as Error).message})`, 'PARSE_ERROR', e)
  }
  const t = m?.training
  const ok =
    typeof m === 'object' &&
    m.format === GENERATION_FORMAT &&
    typeof m.data === 'string' &&
    typeof m.protocol === 'string' &&
    typeof m.eventsThrough === 'number' &&
    typeof t?.fingerprint === 'string' &&
    typeof t.vocabulary === 'string' &&
    Array.isArray(m.models) &&
    m.models.every((e) => typeof e?.name === 'string' && typeof e.model === 'string' && typeof e.file === 'string')
  if (!ok) fail(file, `not a generation manifest of format ${GENERATION_FORMAT} (expected data, protocol, eventsThrough, training checksums and models with name, model and file)`)
  return m
}

/** The file a manifest entry names, refused unless it is a model file directly inside the generation folder. */
function entryFile(genDir: string, entry: ManifestModel, manifestFile: string): string {
  const resolved = path.resolve(genDir, entry.file)
  if (!MODEL_FILE.test(entry.file) || path.dirname(resolved) !== path.resolve(genDir)) {
    fail(manifestFile, `model "${entry.name}" names the file ${JSON.stringify(entry.file)}; a model file must be a *.rfm file inside ${genDir}`)
  }
  return resolved
}

async function readArtifacts(file: string): Promise<ModelArtifacts> {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await readFile(file))
  } catch (e) {
    return fail(file, `cannot read (${(e as Error).message})`, 'IO_ERROR', e)
  }
  bytes = await openAtRest(bytes, file)
  try {
    return decodeArtifacts(bytes, file)
  } catch (e) {
    const code = (e as { code?: string }).code
    return fail(file, `corrupt model file (${(e as Error).message})`, code === 'CHECKSUM_MISMATCH' ? 'CHECKSUM_MISMATCH' : 'PARSE_ERROR', e)
  }
}

/**
 * Reads the current generation of a model folder and checks it: the training data against the
 * manifest's checksums, every manifest entry inside the folder and naming a file of the model it
 * says, and every model file trained on that same data. Any mismatch is refused with an error
 * naming the file.
 *
 * @example
 * ```ts
 * const gen = await readGeneration('.recforge/models', createRegistry())
 * ```
 * @throws RecForgeError IO_ERROR for a folder without models; PARSE_ERROR or CHECKSUM_MISMATCH naming the file that does not check out.
 */
export async function readGeneration(dir: string, registry: ModelRegistry, name?: string): Promise<LoadedGeneration> {
  const gen = name ?? (await currentGeneration(dir))
  if (!gen) {
    const legacy = await stat(path.join(dir, 'manifest.json')).then(() => true, () => false)
    throw new RecForgeError(
      'IO_ERROR',
      legacy
        ? `${dir} holds models in the layout of an earlier recforge (manifest.json, no CURRENT); run \`recforge train\` or \`recforge demo\` again to write a generation`
        : `no saved models in ${dir} (no CURRENT generation); run \`recforge train\` or \`recforge demo\` first`,
    )
  }
  const genDir = path.join(generationsDir(dir), gen)
  const manifestFile = path.join(genDir, 'manifest.json')
  const manifest = await readManifest(genDir)
  if (manifest.generation !== gen) fail(manifestFile, `describes generation ${JSON.stringify(manifest.generation)}; the folder is ${gen}`)
  const dataFile = path.join(genDir, 'data.rfa')
  const data = dataFromArtifacts(await readArtifacts(dataFile), dataFile)
  if (vocabularyChecksum(data) !== manifest.training.vocabulary || dataFingerprint(data) !== manifest.training.fingerprint) {
    fail(dataFile, `the training data does not match the manifest's checksums (fingerprint ${dataFingerprint(data)}, manifest ${manifest.training.fingerprint})`, 'CHECKSUM_MISMATCH')
  }
  let itemInfo: ItemSideInfo | undefined
  const itemsFile = path.join(genDir, 'items.json')
  if (await stat(itemsFile).then(() => true, () => false)) {
    try {
      itemInfo = JSON.parse(await readFile(itemsFile, 'utf8')) as ItemSideInfo
    } catch (e) {
      fail(itemsFile, `not JSON (${(e as Error).message})`, 'PARSE_ERROR', e)
    }
    if (!Array.isArray(itemInfo?.titles) || itemInfo.titles.length !== data.items.size) fail(itemsFile, `expected titles for the ${data.items.size} items of the training data`)
  }
  const files = new Set<string>()
  const names = new Set<string>()
  const models: ServedModel[] = []
  for (const entry of manifest.models) {
    const file = entryFile(genDir, entry, manifestFile)
    if (files.has(file)) fail(manifestFile, `two models name the file ${entry.file}`)
    if (names.has(entry.name)) fail(manifestFile, `two models are named "${entry.name}"`)
    files.add(file)
    names.add(entry.name)
    const artifacts = await readArtifacts(file)
    if (artifacts.model !== entry.model) fail(file, `holds a "${artifacts.model}" model; the manifest says "${entry.name}" is a "${entry.model}"`)
    const trained = artifacts.meta?.[TRAINED_ON] as { data?: unknown; vocabulary?: unknown } | undefined
    if (trained?.data !== manifest.training.fingerprint || trained.vocabulary !== manifest.training.vocabulary) {
      fail(file, `was trained on other data (fingerprint ${String(trained?.data)}, vocabulary ${String(trained?.vocabulary)}); this generation's data is ${manifest.training.fingerprint}, vocabulary ${manifest.training.vocabulary}`, 'CHECKSUM_MISMATCH')
    }
    const { [TRAINED_ON]: _drop, ...meta } = artifacts.meta ?? {}
    let def
    try {
      def = registry.get(artifacts.model)
    } catch (e) {
      return fail(file, `holds a model this build does not know (${(e as Error).message})`, 'PARSE_ERROR', e)
    }
    let model
    try {
      model = await def.load({ ...artifacts, meta })
    } catch (e) {
      return fail(file, `cannot be loaded (${(e as Error).message})`, 'PARSE_ERROR', e)
    }
    models.push({ name: entry.name, model, trainedAt: entry.trainedAt, params: entry.params ?? {}, ...(entry.metrics ? { metrics: entry.metrics } : {}), ...(entry.timing ? { timing: entry.timing } : {}) })
  }
  return { name: gen, dir: genDir, manifest, data, ...(itemInfo ? { itemInfo } : {}), models }
}
