import { createHash } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { RecForgeError, isRecForgeError } from '@recforge/core'
import { writeFileAtomic } from '@recforge/core/node'

/** The files of a TensorFlow.js graph model with its tokenizer vocabulary, in memory. */
export interface UseModelFiles {
  /** `model.json`: the graph and its weights manifest. */
  readonly modelJson: Uint8Array
  /** The weight shards, in the manifest's order, by their names in `model.json`. */
  readonly shards: readonly { readonly name: string; readonly data: Uint8Array }[]
  /** `vocab.json`: the tokenizer's `[piece, score]` pairs. */
  readonly vocab: Uint8Array
  /** {@link modelDigest} of these files. */
  readonly digest: string
}

interface ManifestGroup {
  paths: string[]
}

const SUMS = 'SHA256SUMS'

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex')

/**
 * The SHA-256 that names a model: the hash of the `sha256sum` lines (`<hex>  <name>`, sorted by
 * name) of `model.json`, its shards and `vocab.json`. The same files give the same digest wherever
 * they come from (a folder, a download, a package).
 *
 * @example
 * ```ts
 * modelDigest([{ name: 'model.json', data }, ...]) // '9f2c…' (64 hex digits)
 * ```
 * @throws Never.
 */
export function modelDigest(files: readonly { name: string; data: Uint8Array }[]): string {
  return sha256(sumsText(files))
}

function sumsText(files: readonly { name: string; data: Uint8Array }[]): string {
  return files
    .map((f) => `${sha256(f.data)}  ${f.name}\n`)
    .sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1))
    .join('')
}

/** The shard names a `model.json` lists, refusing names that would leave the model's folder. */
function shardNames(modelJson: Uint8Array, where: string): string[] {
  let parsed: { weightsManifest?: ManifestGroup[] }
  try {
    parsed = JSON.parse(new TextDecoder().decode(modelJson))
  } catch (e) {
    throw new RecForgeError('PARSE_ERROR', `${where} is not JSON: ${(e as Error).message}`, { cause: e })
  }
  const groups = parsed.weightsManifest
  if (!Array.isArray(groups) || !groups.every((g) => Array.isArray(g?.paths) && g.paths.every((p) => typeof p === 'string'))) {
    throw new RecForgeError('PARSE_ERROR', `${where} has no weightsManifest with paths; expected a TensorFlow.js graph model (model.json)`)
  }
  const names = groups.flatMap((g) => g.paths)
  for (const n of names) {
    if (n === '' || n.includes('..') || n.includes('\\') || n.startsWith('/') || /^[a-z]+:/i.test(n) || n === SUMS || n === 'vocab.json' || n === 'model.json') {
      throw new RecForgeError('PARSE_ERROR', `${where} names the weight file "${n}"; expected a plain file name next to model.json`)
    }
  }
  return names
}

function withDigest(modelJson: Uint8Array, shards: { name: string; data: Uint8Array }[], vocab: Uint8Array): UseModelFiles {
  const digest = modelDigest([{ name: 'model.json', data: modelJson }, ...shards, { name: 'vocab.json', data: vocab }])
  return { modelJson, shards, vocab, digest }
}

/**
 * Reads `model.json`, the shards it lists and `vocab.json` from a folder.
 *
 * @example
 * ```ts
 * const files = await readModelDir('./models/use-lite')
 * ```
 * @throws RecForgeError IO_ERROR naming the folder and the file that cannot be read; PARSE_ERROR for a bad model.json.
 */
export async function readModelDir(dir: string): Promise<UseModelFiles> {
  const read = async (name: string) => {
    try {
      return new Uint8Array(await readFile(path.join(dir, name)))
    } catch (e) {
      throw new RecForgeError('IO_ERROR', `could not read the Universal Sentence Encoder files in ${dir}: ${(e as Error).message}`, { cause: e })
    }
  }
  const modelJson = await read('model.json')
  const names = shardNames(modelJson, path.join(dir, 'model.json'))
  const [vocab, ...data] = await Promise.all([read('vocab.json'), ...names.map(read)])
  return withDigest(modelJson, names.map((name, i) => ({ name, data: data[i]! })), vocab!)
}

/** The default folder for downloaded models: `$XDG_CACHE_HOME/recforge/models`, else `~/.cache/recforge/models`. */
export function defaultModelCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'recforge', 'models')
}

/** Where and how {@link downloadModelFiles} fetches. */
export interface DownloadOptions {
  /** URL of `model.json`, or of the folder that holds it; shards are fetched relative to it, with its query string. */
  modelUrl: string
  /** URL of the vocabulary file. Defaults to `vocab.json` next to `model.json`. */
  vocabUrl?: string
  /** The expected {@link modelDigest}; other files fail with CHECKSUM_MISMATCH. Defaults to none (any files, kept as first downloaded). */
  sha256?: string
  /** Cache folder. Defaults to {@link defaultModelCacheDir}(). */
  cacheDir?: string
  /** Stops a download. Defaults to none. */
  signal?: AbortSignal
}

function parseUrl(value: string, option: string): URL {
  let u: URL
  try {
    u = new URL(value)
  } catch (e) {
    throw new RecForgeError('INVALID_ARGUMENT', `${option} "${value}" is not a URL; expected e.g. https://example.com/use-lite/model.json`, { cause: e })
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RecForgeError('INVALID_ARGUMENT', `${option} "${value}" must be an http: or https: URL; for files on disk use modelDir`)
  return u
}

async function fetchBytes(url: URL, signal: AbortSignal | undefined): Promise<Uint8Array> {
  let res: Response
  try {
    res = await fetch(url, signal ? { signal } : {})
  } catch (e) {
    if (signal?.aborted) throw e
    throw new RecForgeError('IO_ERROR', `could not download ${url.href}: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}`, { cause: e })
  }
  if (!res.ok) throw new RecForgeError('IO_ERROR', `could not download ${url.href}: HTTP ${res.status} ${res.statusText}`)
  return new Uint8Array(await res.arrayBuffer())
}

/** The cached files of `folder` when its SHA256SUMS is there and every file matches it; else undefined. */
async function readCached(folder: string): Promise<UseModelFiles | undefined> {
  let sums: string
  try {
    sums = await readFile(path.join(folder, SUMS), 'utf8')
  } catch {
    return undefined
  }
  try {
    const files = await readModelDir(folder)
    const expected = sumsText([{ name: 'model.json', data: files.modelJson }, ...files.shards, { name: 'vocab.json', data: files.vocab }])
    return expected === sums ? files : undefined
  } catch (e) {
    if (isRecForgeError(e) && (e.code === 'IO_ERROR' || e.code === 'PARSE_ERROR')) return undefined
    throw e
  }
}

/**
 * Downloads a graph model (`model.json` and its shards) and its `vocab.json` once into the cache
 * folder and reads them from there afterwards. Each file is written atomically and the folder's
 * `SHA256SUMS` last, so an interrupted download is fetched again; a cached file that no longer
 * matches its sum is fetched again too. With `sha256`, files whose {@link modelDigest} differs are
 * refused before anything is cached.
 *
 * @example
 * ```ts
 * const files = await downloadModelFiles({ modelUrl: 'https://example.com/use-lite/', sha256: USE_LITE_SHA256 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a bad URL; IO_ERROR when a file cannot be downloaded or cached; CHECKSUM_MISMATCH when the files differ from `sha256`; PARSE_ERROR for a bad model.json.
 */
export async function downloadModelFiles(opts: DownloadOptions): Promise<UseModelFiles> {
  const modelUrl = parseUrl(opts.modelUrl, 'modelUrl')
  if (!modelUrl.pathname.endsWith('.json')) modelUrl.pathname = `${modelUrl.pathname.replace(/\/?$/, '/')}model.json`
  let vocabUrl: URL
  if (opts.vocabUrl) vocabUrl = parseUrl(opts.vocabUrl, 'vocabUrl')
  else {
    vocabUrl = new URL('vocab.json', modelUrl)
    vocabUrl.search = modelUrl.search
  }
  const expected = opts.sha256?.toLowerCase()
  if (expected !== undefined && expected !== '' && !/^[0-9a-f]{64}$/.test(expected)) {
    throw new RecForgeError('INVALID_ARGUMENT', `sha256 must be 64 hex digits (a modelDigest); got "${opts.sha256}"`)
  }
  const folder = path.join(opts.cacheDir || defaultModelCacheDir(), `use-${sha256(`${modelUrl.href}\n${vocabUrl.href}`).slice(0, 16)}`)
  const cached = await readCached(folder)
  if (cached && (!expected || cached.digest === expected)) return cached

  const modelJson = await fetchBytes(modelUrl, opts.signal)
  const names = shardNames(modelJson, modelUrl.href)
  const [vocab, ...data] = await Promise.all([
    fetchBytes(vocabUrl, opts.signal),
    ...names.map((n) => {
      const u = new URL(n, modelUrl)
      u.search = modelUrl.search
      return fetchBytes(u, opts.signal)
    }),
  ])
  const files = withDigest(modelJson, names.map((name, i) => ({ name, data: data[i]! })), vocab!)
  if (expected && files.digest !== expected) {
    throw new RecForgeError('CHECKSUM_MISMATCH', `the Universal Sentence Encoder files from ${modelUrl.href} have SHA-256 ${files.digest}; expected ${expected} (the sha256 option). Check modelUrl, or set sha256 to the new digest if you trust these files`)
  }
  // SHA256SUMS goes first out and last in: a folder without it, or with a stale one, is refetched
  await rm(path.join(folder, SUMS), { force: true })
  await writeFileAtomic(path.join(folder, 'model.json'), modelJson)
  await writeFileAtomic(path.join(folder, 'vocab.json'), files.vocab)
  for (const s of files.shards) await writeFileAtomic(path.join(folder, s.name), s.data)
  await writeFileAtomic(path.join(folder, SUMS), sumsText([{ name: 'model.json', data: modelJson }, ...files.shards, { name: 'vocab.json', data: files.vocab }]))
  return files
}
