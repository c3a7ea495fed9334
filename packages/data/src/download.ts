import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { RecForgeError, throwIfAborted, type RunOptions } from '@recforge/core'
import { writeFileAtomic } from '@recforge/core/node'
import { extractZip } from './zip'

/** Where a public dataset is published and how it is packed. */
export interface DatasetSource {
  /** Base URL the files are fetched from. */
  baseUrl: string
  /** File names under the base URL. */
  files: readonly string[]
  /** Zip archives: the folder inside the archive that holds the data. */
  zipRoot?: string
  /** The `loadDataset` spec prefix for the downloaded folder. */
  loader: 'movielens-100k' | 'movielens-1m' | 'movielens-latest' | 'goodbooks-10k'
  /** Licence note shown to users. */
  licence: string
}

const GROUPLENS = 'https://files.grouplens.org/datasets/movielens/'
const GROUPLENS_LICENCE = 'GroupLens research licence: research use, no redistribution without permission; see README in the archive'

/** The datasets {@link downloadDataset} knows. */
export const DATASET_SOURCES: Readonly<Record<string, DatasetSource>> = {
  'ml-100k': { baseUrl: GROUPLENS, files: ['ml-100k.zip'], zipRoot: 'ml-100k', loader: 'movielens-100k', licence: GROUPLENS_LICENCE },
  'ml-1m': { baseUrl: GROUPLENS, files: ['ml-1m.zip'], zipRoot: 'ml-1m', loader: 'movielens-1m', licence: GROUPLENS_LICENCE },
  'ml-latest-small': { baseUrl: GROUPLENS, files: ['ml-latest-small.zip'], zipRoot: 'ml-latest-small', loader: 'movielens-latest', licence: GROUPLENS_LICENCE },
  'ml-25m': { baseUrl: GROUPLENS, files: ['ml-25m.zip'], zipRoot: 'ml-25m', loader: 'movielens-latest', licence: GROUPLENS_LICENCE },
  'ml-32m': { baseUrl: GROUPLENS, files: ['ml-32m.zip'], zipRoot: 'ml-32m', loader: 'movielens-latest', licence: GROUPLENS_LICENCE },
  'goodbooks-10k': {
    baseUrl: 'https://raw.githubusercontent.com/zygmuntz/goodbooks-10k/master/',
    files: ['ratings.csv', 'books.csv', 'book_tags.csv', 'tags.csv'],
    loader: 'goodbooks-10k',
    licence: 'CC BY-SA 4.0',
  },
}

/** Options for {@link downloadDataset}. */
export interface DownloadOptions extends RunOptions {
  /** Cache folder. Defaults to `$RECFORGE_CACHE`, else `~/.cache/recforge`. */
  cacheDir?: string
  /** Overrides the source's base URL (a mirror, or a local server in tests). Defaults to the source's URL. */
  baseUrl?: string
  /** The fetch implementation. Defaults to `globalThis.fetch`. */
  fetch?: typeof fetch
  /** Expected SHA-256 (hex) per file name; a mismatch fails with CHECKSUM_MISMATCH. Defaults to the checksums recorded at the first download. */
  sha256?: Readonly<Record<string, string>>
  /** Download again even when the cache has the dataset. Defaults to `false`. */
  force?: boolean
}

/** A downloaded (or cached) dataset folder. */
export interface DownloadResult {
  /** Folder with the data files. */
  dir: string
  /** The `loadDataset` spec for it, e.g. `movielens-100k:/home/me/.cache/recforge/ml-100k`. */
  spec: string
  /** SHA-256 per downloaded file. */
  sha256: Record<string, string>
  /** True when nothing was downloaded. */
  fromCache: boolean
}

/** The cache folder: `$RECFORGE_CACHE`, else `~/.cache/recforge`. */
export function defaultCacheDir(): string {
  return process.env.RECFORGE_CACHE || path.join(os.homedir(), '.cache', 'recforge')
}

async function fetchToFile(url: string, file: string, f: typeof fetch, opts: RunOptions): Promise<string> {
  let res: Response
  try {
    res = await f(url, opts.signal ? { signal: opts.signal } : {})
  } catch (e) {
    if (opts.signal?.aborted) throw new RecForgeError('ABORTED', `download of ${url} was aborted`, { cause: e })
    const cause = (e as { cause?: { code?: string; message?: string } }).cause
    const why = cause?.code ?? cause?.message ?? (e as Error).message
    throw new RecForgeError(
      'NETWORK_ERROR',
      `could not download ${url} (${why}): the machine looks offline or the host is unreachable. Download the file by hand, unpack it, and load the folder directly (e.g. loadDataset('movielens-100k:<dir>')), or pass baseUrl for a reachable mirror`,
      { cause: e },
    )
  }
  if (!res.ok || !res.body) throw new RecForgeError('NETWORK_ERROR', `could not download ${url}: HTTP ${res.status} ${res.statusText}; expected 200 with the file`)
  const total = Number(res.headers.get('content-length') ?? Number.NaN)
  const hash = createHash('sha256')
  const out = createWriteStream(file)
  let bytes = 0
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      throwIfAborted(opts.signal, `download of ${url}`)
      hash.update(chunk)
      bytes += chunk.length
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
      opts.onProgress?.({ stage: 'download', current: bytes, ...(Number.isFinite(total) ? { total } : {}), message: url })
    }
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject)
      out.end(() => resolve())
    })
  } catch (e) {
    out.destroy()
    if (e instanceof RecForgeError) throw e
    throw new RecForgeError('NETWORK_ERROR', `download of ${url} broke off after ${bytes} bytes: ${(e as Error).message}`, { cause: e })
  }
  if (Number.isFinite(total) && bytes !== total) throw new RecForgeError('NETWORK_ERROR', `download of ${url} is incomplete: ${bytes} of ${total} bytes`)
  return hash.digest('hex')
}

/**
 * Downloads a public dataset (GroupLens `ml-100k`, `ml-1m`, `ml-latest-small`, `ml-25m`, `ml-32m`
 * zips; `goodbooks-10k` CSVs) into a cache folder, verifies SHA-256 checksums, unpacks zips with
 * the built-in zip reader, and moves the finished folder into place in one rename, so an
 * interrupted download never leaves a half-filled dataset. The first download records each
 * file's SHA-256 in `<cacheDir>/<name>.sha256.json`; later downloads must match it (or
 * `opts.sha256`).
 *
 * @example
 * ```ts
 * const { spec } = await downloadDataset('ml-100k')
 * const ds = await loadDataset(spec)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an unknown name; NETWORK_ERROR when offline, unreachable or not HTTP 200; CHECKSUM_MISMATCH when a file's SHA-256 differs from the expected one; PARSE_ERROR for a damaged zip; ABORTED when the signal fires.
 */
export async function downloadDataset(name: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const src = DATASET_SOURCES[name]
  if (!src) throw new RecForgeError('INVALID_ARGUMENT', `unknown dataset ${JSON.stringify(name)}; expected one of ${Object.keys(DATASET_SOURCES).join(', ')}`)
  const cacheDir = path.resolve(opts.cacheDir ?? defaultCacheDir())
  const target = path.join(cacheDir, name)
  const marker = path.join(target, '.recforge-download.json')
  const sumsFile = path.join(cacheDir, `${name}.sha256.json`)
  if (!opts.force && existsSync(marker)) {
    const info = JSON.parse(await readFile(marker, 'utf8')) as { sha256: Record<string, string> }
    return { dir: target, spec: `${src.loader}:${target}`, sha256: info.sha256, fromCache: true }
  }
  let recorded: Record<string, string> = {}
  if (existsSync(sumsFile)) recorded = JSON.parse(await readFile(sumsFile, 'utf8')) as Record<string, string>
  const f = opts.fetch ?? globalThis.fetch
  const base = (opts.baseUrl ?? src.baseUrl).replace(/\/?$/, '/')
  await mkdir(cacheDir, { recursive: true })
  const tmp = path.join(cacheDir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  await mkdir(tmp, { recursive: true })
  const sha256: Record<string, string> = {}
  try {
    for (const file of src.files) {
      const dest = path.join(tmp, file)
      const got = await fetchToFile(base + file, dest, f, opts)
      const expected = opts.sha256?.[file] ?? recorded[file]
      if (expected && expected.toLowerCase() !== got) {
        throw new RecForgeError('CHECKSUM_MISMATCH', `${base + file} has SHA-256 ${got}; expected ${expected.toLowerCase()}${opts.sha256?.[file] ? '' : ` (recorded at the first download in ${sumsFile}; delete that file if the publisher changed the archive)`}`)
      }
      sha256[file] = got
      if (file.endsWith('.zip')) {
        await extractZip(dest, tmp)
        await rm(dest)
      }
    }
    const dataDir = src.zipRoot ? path.join(tmp, src.zipRoot) : tmp
    if (!existsSync(dataDir)) throw new RecForgeError('PARSE_ERROR', `the archive for ${name} has no folder ${src.zipRoot}; expected the data under ${src.zipRoot}/`)
    await writeFileAtomic(path.join(dataDir, '.recforge-download.json'), JSON.stringify({ name, sha256, baseUrl: base, date: new Date().toISOString() }, null, 2))
    await rm(target, { recursive: true, force: true })
    await rename(dataDir, target)
    await writeFileAtomic(sumsFile, JSON.stringify({ ...recorded, ...sha256 }, null, 2))
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
  return { dir: target, spec: `${src.loader}:${target}`, sha256, fromCache: false }
}
