import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { RecForgeError, encodeArtifacts, isRecForgeError, throwIfAborted, type Encoder, type RunOptions } from '@recforge/core'
import { loadArtifactsFile, writeFileAtomic } from '@recforge/core/node'

/**
 * The default cache folder: `$RECFORGE_CACHE`, else `$XDG_CACHE_HOME/recforge/embeddings`, else
 * `~/.cache/recforge/embeddings`.
 *
 * @example
 * ```ts
 * defaultCacheDir() // '/home/me/.cache/recforge/embeddings'
 * ```
 * @throws Never.
 */
export function defaultCacheDir(): string {
  if (process.env.RECFORGE_CACHE) return process.env.RECFORGE_CACHE
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache')
  return path.join(base, 'recforge', 'embeddings')
}

/**
 * The cache key of one input: the hex SHA-256 of its text (first 32 hex digits).
 *
 * @example
 * ```ts
 * contentHash('Toy Story (1995)') // '5d1b…' (32 hex digits)
 * ```
 * @throws Never.
 */
export function contentHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32)
}

/** Options of {@link EmbeddingCache}. */
export interface EmbeddingCacheOptions {
  /** Folder for the cache files, or `false` to keep vectors in memory only. Defaults to {@link defaultCacheDir}(). */
  dir?: string | false
}

interface Store {
  readonly dimensions: number
  readonly rows: Map<string, Float32Array>
  dirty: boolean
}

const FORMAT = 1

/**
 * A persistent embedding cache keyed by model id and content hash: one checksummed file per model
 * id (written atomically), so re-encoding a catalogue encodes only what changed.
 *
 * @example
 * ```ts
 * const cache = new EmbeddingCache()              // ~/.cache/recforge/embeddings
 * const enc = new CachedEncoder(new HashingEncoder(), { cache })
 * await enc.encode(texts)                          // encodes and stores
 * await enc.encode(texts)                          // all hits, nothing encoded
 * ```
 * @throws RecForgeError IO_ERROR when the folder cannot be written; DIMENSION_MISMATCH when a model id is reused with another size.
 */
export class EmbeddingCache {
  readonly dir: string | false
  private readonly stores = new Map<string, Store>()

  constructor(options: EmbeddingCacheOptions = {}) {
    this.dir = options.dir === undefined ? defaultCacheDir() : options.dir
  }

  /** The file that holds `modelId`'s vectors (`undefined` for an in-memory cache). */
  fileFor(modelId: string): string | undefined {
    if (this.dir === false) return undefined
    const safe = modelId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80)
    return path.join(this.dir, `${safe}-${contentHash(modelId).slice(0, 8)}.rfemb`)
  }

  private async store(modelId: string, dimensions: number): Promise<Store> {
    let s = this.stores.get(modelId)
    if (!s) {
      s = { dimensions, rows: new Map(), dirty: false }
      const file = this.fileFor(modelId)
      if (file && existsSync(file)) {
        try {
          const a = await loadArtifactsFile(file)
          const d = Number(a.config.dimensions)
          const keys = a.meta?.keys
          const vecs = a.tensors.vectors
          if (a.model === 'embedding-cache' && a.config.modelId === modelId && d === dimensions && Array.isArray(keys) && vecs instanceof Float32Array && vecs.length === keys.length * d) {
            for (let i = 0; i < keys.length; i++) s.rows.set(String(keys[i]), vecs.subarray(i * d, (i + 1) * d))
          }
        } catch (e) {
          // A corrupt or foreign cache file is rebuilt rather than trusted.
          if (!isRecForgeError(e)) throw e
        }
      }
      this.stores.set(modelId, s)
    }
    if (s.dimensions !== dimensions) {
      throw new RecForgeError('DIMENSION_MISMATCH', `embedding cache: model "${modelId}" was cached with ${s.dimensions} dimensions; now ${dimensions}. Use a distinct model id per configuration`)
    }
    return s
  }

  /** Looks up keys; fills hits into `out` (row-major) and returns the positions that missed. */
  async lookup(modelId: string, dimensions: number, keys: readonly string[], out: Float32Array): Promise<number[]> {
    const s = await this.store(modelId, dimensions)
    const missing: number[] = []
    for (let i = 0; i < keys.length; i++) {
      const v = s.rows.get(keys[i]!)
      if (v) out.set(v, i * dimensions)
      else missing.push(i)
    }
    return missing
  }

  /** Stores `keys.length` row-major vectors. */
  async put(modelId: string, dimensions: number, keys: readonly string[], vectors: Float32Array): Promise<void> {
    if (vectors.length !== keys.length * dimensions) {
      throw new RecForgeError('DIMENSION_MISMATCH', `embedding cache: ${keys.length} keys need ${keys.length * dimensions} values; got ${vectors.length}`)
    }
    const s = await this.store(modelId, dimensions)
    for (let i = 0; i < keys.length; i++) s.rows.set(keys[i]!, vectors.slice(i * dimensions, (i + 1) * dimensions))
    if (keys.length) s.dirty = true
  }

  /** Number of cached vectors for `modelId` (after loading its file). */
  async size(modelId: string, dimensions: number): Promise<number> {
    return (await this.store(modelId, dimensions)).rows.size
  }

  /** Writes every changed model's vectors to disk (atomic, checksummed). */
  async flush(): Promise<void> {
    for (const [modelId, s] of this.stores) {
      const file = this.fileFor(modelId)
      if (!file || !s.dirty) continue
      const keys = [...s.rows.keys()]
      const d = s.dimensions
      const vectors = new Float32Array(keys.length * d)
      keys.forEach((k, i) => vectors.set(s.rows.get(k)!, i * d))
      await writeFileAtomic(file, encodeArtifacts({ model: 'embedding-cache', formatVersion: FORMAT, config: { modelId, dimensions: d }, meta: { keys }, tensors: { vectors } }))
      s.dirty = false
    }
  }

  /** Drops the in-memory copy (the files stay). */
  clearMemory(): void {
    this.stores.clear()
  }
}

/** Options of {@link CachedEncoder}. */
export interface CachedEncoderOptions<Input> {
  /** Where vectors are kept. Defaults to a new {@link EmbeddingCache} in {@link defaultCacheDir}(). */
  cache?: EmbeddingCache
  /** The text that identifies an input (hashed into the key). Defaults to the string itself, or JSON for non-strings. */
  keyOf?: (input: Input) => string
  /** Write the cache file after each `encode` that added vectors. Defaults to `true`. */
  autoFlush?: boolean
}

/**
 * Wraps an encoder with an {@link EmbeddingCache}: only inputs whose (model id, content hash) is
 * not cached reach the inner encoder, in one batch, in input order.
 *
 * @example
 * ```ts
 * const enc = new CachedEncoder(await loadUniversalSentenceEncoder())
 * const v = await enc.encode(itemTexts) // second run: read from ~/.cache/recforge/embeddings
 * console.log(enc.stats)                 // { hits, misses }
 * ```
 * @throws RecForgeError as the inner encoder does, and IO_ERROR when the cache cannot be written.
 */
export class CachedEncoder<Input = string> implements Encoder<Input> {
  readonly inner: Encoder<Input>
  readonly cache: EmbeddingCache
  /** Inputs served from the cache and inputs encoded, since construction. */
  readonly stats = { hits: 0, misses: 0 }
  private readonly keyOf: (input: Input) => string
  private readonly autoFlush: boolean

  constructor(inner: Encoder<Input>, options: CachedEncoderOptions<Input> = {}) {
    this.inner = inner
    this.cache = options.cache ?? new EmbeddingCache()
    this.keyOf = options.keyOf ?? ((x: Input) => (typeof x === 'string' ? x : JSON.stringify(x)))
    this.autoFlush = options.autoFlush ?? true
  }

  get modelId(): string {
    return this.inner.modelId
  }

  get dimensions(): number {
    return this.inner.dimensions
  }

  async encode(inputs: readonly Input[], opts: RunOptions = {}): Promise<Float32Array> {
    const d = this.inner.dimensions
    const modelId = this.inner.modelId
    const keys = inputs.map((x) => contentHash(this.keyOf(x)))
    const out = new Float32Array(inputs.length * d)
    const missing = await this.cache.lookup(modelId, d, keys, out)
    this.stats.hits += inputs.length - missing.length
    this.stats.misses += missing.length
    if (missing.length) {
      throwIfAborted(opts.signal, 'encoding')
      // Duplicate texts within one call are encoded once.
      const firstOf = new Map<string, number>()
      const todo: number[] = []
      for (const i of missing) if (!firstOf.has(keys[i]!)) (firstOf.set(keys[i]!, todo.length), todo.push(i))
      const fresh = await this.inner.encode(
        todo.map((i) => inputs[i]!),
        opts,
      )
      for (const i of missing) out.set(fresh.subarray(firstOf.get(keys[i]!)! * d, (firstOf.get(keys[i]!)! + 1) * d), i * d)
      await this.cache.put(
        modelId,
        d,
        todo.map((i) => keys[i]!),
        fresh,
      )
      if (this.autoFlush) await this.cache.flush()
    }
    return out
  }

  async dispose(): Promise<void> {
    await this.cache.flush()
    await this.inner.dispose()
  }
}
