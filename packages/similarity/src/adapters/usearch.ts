import { RecForgeError, checkArtifacts, checkNumber, decodeArtifacts, encodeArtifacts, requireTensor, type Metric, type SearchResult, type VectorIndex } from '@recforge/core'
import { importPeer, nativeDistanceShift, withTempFile } from '../internal/native'
import { checkBatch, checkDimensions, checkK, checkKeys, checkMetric, checkQuery } from '../internal/validate'

const FORMAT = 'usearch-index'
const FORMAT_VERSION = 1

/** The part of usearch's `Index` this adapter uses. */
export interface UsearchNative {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void
  search(vector: Float32Array, k: number, threads: number): { keys: BigUint64Array; distances: Float32Array }
  remove(keys: BigUint64Array): number | number[]
  contains(keys: BigUint64Array): boolean | boolean[]
  size(): number
  save(path: string): void
  load(path: string): void
}

/** The loaded `usearch` module. */
export interface UsearchBinding {
  Index: new (config: { dimensions: number; metric: string; quantization: string; connectivity: number; expansion_add: number; expansion_search: number; multi: boolean }) => UsearchNative
}

/**
 * Loads the optional `usearch` package with a dynamic import.
 *
 * @example
 * ```ts
 * const binding = await loadUsearch()
 * ```
 * @throws RecForgeError MISSING_DEPENDENCY when `usearch` is not installed.
 */
export async function loadUsearch(): Promise<UsearchBinding> {
  const mod = await importPeer('usearch', () => import('usearch'), '@recforge/similarity/usearch')
  const m = mod as unknown as { Index?: unknown; default?: { Index?: unknown } }
  const ctor = m.Index ?? m.default?.Index
  if (typeof ctor !== 'function') throw new RecForgeError('MISSING_DEPENDENCY', '@recforge/similarity/usearch: the installed "usearch" has no Index export; install usearch@^2.26')
  return { Index: ctor as UsearchBinding['Index'] }
}

/** Options for {@link UsearchIndex}. */
export interface UsearchIndexOptions {
  /** Vector length. */
  dimensions: number
  /** Distance measure (smaller is closer). Defaults to `'cosine'`. */
  metric?: Metric
  /** Links per node (usearch's `connectivity`). Defaults to `16`. */
  M?: number
  /** Candidate list size while inserting (`expansion_add`). Defaults to `200`. */
  efConstruction?: number
  /** Candidate list size while searching (`expansion_search`); fixed when the index is created. Defaults to `64`. */
  efSearch?: number
  /** Threads for `add` and `search`; `0` lets usearch pick. Defaults to `1`. */
  threads?: number
}

const METRIC_NAMES: Record<Metric, string> = { cosine: 'cos', ip: 'ip', l2: 'l2sq' }

/**
 * The `VectorIndex` interface over USearch's C++ HNSW (`usearch`). usearch has no filtered
 * search in JavaScript, so a filter is applied to an over-fetched result, widening the fetch
 * until `k` keys pass or the whole index was returned.
 *
 * @example
 * ```ts
 * const index = await UsearchIndex.create({ dimensions: 64, metric: 'cosine' })
 * index.add(keys, vectors)
 * index.search(query, 10)
 * ```
 */
export class UsearchIndex implements VectorIndex {
  readonly dimensions: number
  readonly metric: Metric
  readonly M: number
  readonly efConstruction: number
  readonly efSearch: number
  readonly threads: number
  private readonly native: UsearchNative
  private live = 0
  private readonly one = new BigUint64Array(1)

  /**
   * Wraps a new native index. Use {@link UsearchIndex.create} to load the binding as well.
   *
   * @throws RecForgeError INVALID_ARGUMENT for bad dimensions, metric or parameters.
   */
  constructor(binding: UsearchBinding, opts: UsearchIndexOptions) {
    this.dimensions = checkDimensions(opts?.dimensions, 'UsearchIndex')
    this.metric = checkMetric(opts.metric ?? 'cosine', 'UsearchIndex')
    this.M = checkNumber('M', opts.M ?? 16, { integer: true, min: 2 })
    this.efConstruction = checkNumber('efConstruction', opts.efConstruction ?? 200, { integer: true, min: 1 })
    this.efSearch = checkNumber('efSearch', opts.efSearch ?? 64, { integer: true, min: 1 })
    this.threads = checkNumber('threads', opts.threads ?? 1, { integer: true, min: 0 })
    this.native = new binding.Index({
      dimensions: this.dimensions,
      metric: METRIC_NAMES[this.metric],
      quantization: 'f32',
      connectivity: this.M,
      expansion_add: this.efConstruction,
      expansion_search: this.efSearch,
      multi: false,
    })
  }

  /**
   * Loads `usearch` and creates an empty index.
   *
   * @example
   * ```ts
   * const index = await UsearchIndex.create({ dimensions: 64 })
   * ```
   * @throws RecForgeError MISSING_DEPENDENCY when `usearch` is not installed.
   */
  static async create(opts: UsearchIndexOptions): Promise<UsearchIndex> {
    return new UsearchIndex(await loadUsearch(), opts)
  }

  /** Number of live vectors. */
  get size(): number {
    return this.live
  }

  /**
   * Adds row-major vectors; an existing key is removed first so its vector is replaced.
   *
   * @throws RecForgeError DIMENSION_MISMATCH or INVALID_ARGUMENT for bad input.
   */
  add(keys: Int32Array, vectors: Float32Array): void {
    checkBatch(keys, vectors, this.dimensions, 'UsearchIndex.add')
    if (keys.length === 0) return
    // usearch rejects duplicate keys within a batch and existing keys: the last vector wins
    const lastRow = new Map<number, number>()
    for (let i = 0; i < keys.length; i++) lastRow.set(keys[i]!, i)
    const n = lastRow.size
    const big = new BigUint64Array(n)
    const rows = n === keys.length ? vectors : new Float32Array(n * this.dimensions)
    let o = 0
    for (const [key, i] of lastRow) {
      big[o] = BigInt(key >>> 0)
      if (rows !== vectors) rows.set(vectors.subarray(i * this.dimensions, (i + 1) * this.dimensions), o * this.dimensions)
      o++
    }
    const present = this.native.contains(big)
    const had = typeof present === 'boolean' ? [present] : present
    const existing = big.filter((_, j) => had[j])
    if (existing.length > 0) this.native.remove(existing)
    this.native.add(big, rows, this.threads)
    this.live += n - existing.length
  }

  /**
   * Removes `keys` (unknown keys are ignored).
   *
   * @throws RecForgeError INVALID_ARGUMENT when `keys` is not an Int32Array.
   */
  remove(keys: Int32Array): void {
    checkKeys(keys, 'UsearchIndex.remove')
    for (const key of keys) {
      this.one[0] = BigInt(key >>> 0)
      const present = this.native.contains(this.one)
      if (present === true || (Array.isArray(present) && present[0])) {
        this.native.remove(this.one)
        this.live--
      }
    }
  }

  /**
   * The `k` approximate nearest neighbours, nearest first. With a filter, fetches `2k`, `4k`, …
   * until `k` keys pass or the whole index has been returned.
   *
   * @throws RecForgeError DIMENSION_MISMATCH or INVALID_ARGUMENT for a bad query.
   */
  search(query: Float32Array, k: number, filter?: (key: number) => boolean): SearchResult {
    checkQuery(query, this.dimensions, 'UsearchIndex.search')
    checkK(k, 'UsearchIndex.search')
    const kk = Math.min(k, this.live)
    if (kk === 0) return { keys: new Int32Array(0), distances: new Float32Array(0) }
    const shift = nativeDistanceShift(this.metric)
    let fetch = filter ? Math.min(this.live, kk * 2) : kk
    for (;;) {
      const res = this.native.search(query, fetch, this.threads)
      const keys = new Int32Array(kk)
      const distances = new Float32Array(kk)
      let n = 0
      for (let j = 0; j < res.keys.length && n < kk; j++) {
        const key = Number(res.keys[j]!) | 0
        if (filter && !filter(key)) continue
        keys[n] = key
        distances[n++] = res.distances[j]! + shift
      }
      if (n === kk || fetch >= this.live) return { keys: keys.subarray(0, n), distances: distances.subarray(0, n) }
      fetch = Math.min(this.live, fetch * 4)
    }
  }

  /**
   * usearch's own index file wrapped in RecForge's checksummed container.
   *
   * @throws RecForgeError IO_ERROR when the temporary file cannot be written.
   */
  async save(): Promise<Uint8Array> {
    const { readFile } = await import('node:fs/promises')
    const graph = await withTempFile(async (file) => {
      this.native.save(file)
      return new Uint8Array(await readFile(file))
    })
    return encodeArtifacts({
      model: FORMAT,
      formatVersion: FORMAT_VERSION,
      config: { dimensions: this.dimensions, metric: this.metric, M: this.M, efConstruction: this.efConstruction, efSearch: this.efSearch, threads: this.threads, live: this.live },
      tensors: { graph },
    })
  }

  /**
   * Rebuilds an index from {@link UsearchIndex.save} bytes. `efSearch` may be overridden, since
   * usearch fixes it when an index object is created.
   *
   * @example
   * ```ts
   * const again = await UsearchIndex.load(await index.save(), { efSearch: 128 })
   * ```
   * @throws RecForgeError CHECKSUM_MISMATCH, PARSE_ERROR or MISSING_DEPENDENCY.
   */
  static async load(bytes: Uint8Array, opts: { binding?: UsearchBinding; efSearch?: number; threads?: number } = {}): Promise<UsearchIndex> {
    const a = decodeArtifacts(bytes, 'usearch index')
    checkArtifacts(a, FORMAT, FORMAT_VERSION)
    const c = a.config
    const index = new UsearchIndex(opts.binding ?? (await loadUsearch()), {
      dimensions: c['dimensions'] as number,
      metric: c['metric'] as Metric,
      M: c['M'] as number,
      efConstruction: c['efConstruction'] as number,
      efSearch: opts.efSearch ?? (c['efSearch'] as number),
      threads: opts.threads ?? (c['threads'] as number),
    })
    const graph = requireTensor(a, 'graph', Uint8Array)
    const { writeFile } = await import('node:fs/promises')
    await withTempFile(async (file) => {
      await writeFile(file, graph)
      index.native.load(file)
    })
    index.live = c['live'] as number
    return index
  }
}
