import { RecForgeError, checkArtifacts, checkNumber, decodeArtifacts, encodeArtifacts, requireTensor, type Metric, type SearchResult, type VectorIndex } from '@recforge/core'
import { importPeer, nativeDistanceShift, withTempFile } from '../internal/native'
import { savedHnswParams } from '../internal/savedParams'
import { checkBatch, checkDimensions, checkK, checkKeys, checkMetric, checkQuery } from '../internal/validate'

const FORMAT = 'hnswlib-index'
const FORMAT_VERSION = 1

/** The part of `hnswlib-node`'s `HierarchicalNSW` this adapter uses. */
export interface HnswlibNative {
  initIndex(opts: { maxElements: number; m?: number; efConstruction?: number; randomSeed?: number; allowReplaceDeleted?: boolean }): void
  readIndexSync(filename: string, allowReplaceDeleted?: boolean): void
  writeIndexSync(filename: string): void
  resizeIndex(newMaxElements: number): void
  addPoint(point: number[], label: number, replaceDeleted?: boolean): void
  markDelete(label: number): void
  searchKnn(queryPoint: number[], numNeighbors: number, filter?: (label: number) => boolean): { distances: number[]; neighbors: number[] }
  getMaxElements(): number
  setEf(ef: number): void
}

/** The loaded `hnswlib-node` module: a constructor for native indexes. */
export interface HnswlibBinding {
  HierarchicalNSW: new (space: 'l2' | 'ip' | 'cosine', dimensions: number) => HnswlibNative
}

/**
 * Loads the optional `hnswlib-node` package with a dynamic import.
 *
 * @example
 * ```ts
 * const binding = await loadHnswlib()
 * const index = new HnswlibIndex(binding, { dimensions: 64 })
 * ```
 * @throws RecForgeError MISSING_DEPENDENCY when `hnswlib-node` is not installed.
 */
export async function loadHnswlib(): Promise<HnswlibBinding> {
  const mod = await importPeer('hnswlib-node', () => import('hnswlib-node'), '@recforge/similarity/hnswlib')
  const m = mod as unknown as { HierarchicalNSW?: unknown; default?: { HierarchicalNSW?: unknown } }
  const ctor = m.HierarchicalNSW ?? m.default?.HierarchicalNSW
  if (typeof ctor !== 'function') throw new RecForgeError('MISSING_DEPENDENCY', '@recforge/similarity/hnswlib: the installed "hnswlib-node" has no HierarchicalNSW export; install hnswlib-node@^3')
  return { HierarchicalNSW: ctor as HnswlibBinding['HierarchicalNSW'] }
}

/** Options for {@link HnswlibIndex}. */
export interface HnswlibIndexOptions {
  /** Vector length. */
  dimensions: number
  /** Distance measure (smaller is closer). Defaults to `'cosine'`. */
  metric?: Metric
  /** Links per node. Defaults to `16`. */
  M?: number
  /** Candidate list size while inserting. Defaults to `200`. */
  efConstruction?: number
  /** Candidate list size while searching. Defaults to `64`. */
  efSearch?: number
  /** Seed for hnswlib's level generator. Defaults to `100`. */
  seed?: number
  /** Initial capacity in vectors; doubled with `resizeIndex` when full. Defaults to `1024`. */
  capacity?: number
}

/**
 * The `VectorIndex` interface over hnswlib's C++ HNSW (`hnswlib-node`). Keys are stored as
 * hnswlib labels (their unsigned 32-bit pattern); removal uses `markDelete`.
 *
 * @example
 * ```ts
 * const index = await HnswlibIndex.create({ dimensions: 64, metric: 'cosine' })
 * index.add(keys, vectors)
 * index.search(query, 10)
 * ```
 */
export class HnswlibIndex implements VectorIndex {
  readonly dimensions: number
  readonly metric: Metric
  readonly M: number
  readonly efConstruction: number
  private ef: number
  private readonly seed: number
  private readonly native: HnswlibNative
  private readonly live = new Set<number>()
  private readonly stored = new Set<number>()
  private readonly point: number[]

  /**
   * Wraps a new native index. Use {@link HnswlibIndex.create} to load the binding as well.
   *
   * @throws RecForgeError INVALID_ARGUMENT for bad dimensions, metric or parameters.
   */
  constructor(binding: HnswlibBinding, opts: HnswlibIndexOptions) {
    this.dimensions = checkDimensions(opts?.dimensions, 'HnswlibIndex')
    this.metric = checkMetric(opts.metric ?? 'cosine', 'HnswlibIndex')
    this.M = checkNumber('M', opts.M ?? 16, { integer: true, min: 2 })
    this.efConstruction = checkNumber('efConstruction', opts.efConstruction ?? 200, { integer: true, min: 1 })
    this.ef = checkNumber('efSearch', opts.efSearch ?? 64, { integer: true, min: 1 })
    this.seed = checkNumber('seed', opts.seed ?? 100, { integer: true, min: 0 })
    this.native = new binding.HierarchicalNSW(this.metric, this.dimensions)
    this.native.initIndex({ maxElements: Math.max(1, Math.floor(opts.capacity ?? 1024)), m: this.M, efConstruction: this.efConstruction, randomSeed: this.seed, allowReplaceDeleted: false })
    this.native.setEf(this.ef)
    this.point = new Array<number>(this.dimensions).fill(0)
  }

  /**
   * Loads `hnswlib-node` and creates an empty index.
   *
   * @example
   * ```ts
   * const index = await HnswlibIndex.create({ dimensions: 64 })
   * ```
   * @throws RecForgeError MISSING_DEPENDENCY when `hnswlib-node` is not installed.
   */
  static async create(opts: HnswlibIndexOptions): Promise<HnswlibIndex> {
    return new HnswlibIndex(await loadHnswlib(), opts)
  }

  /** Number of live vectors. */
  get size(): number {
    return this.live.size
  }

  /** Candidate list size while searching. */
  get efSearch(): number {
    return this.ef
  }

  set efSearch(ef: number) {
    this.ef = checkNumber('efSearch', ef, { integer: true, min: 1 })
    this.native.setEf(ef)
  }

  /**
   * Adds row-major vectors; an existing key gets its vector replaced.
   *
   * @throws RecForgeError DIMENSION_MISMATCH or INVALID_ARGUMENT for bad input.
   */
  add(keys: Int32Array, vectors: Float32Array): void {
    const d = this.dimensions
    checkBatch(keys, vectors, d, 'HnswlibIndex.add')
    const point = this.point
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!
      if (!this.stored.has(key) && this.stored.size >= this.native.getMaxElements()) this.native.resizeIndex(this.native.getMaxElements() * 2)
      for (let j = 0; j < d; j++) point[j] = vectors[i * d + j]!
      this.native.addPoint(point, key >>> 0)
      this.stored.add(key)
      this.live.add(key)
    }
  }

  /**
   * Removes `keys` with hnswlib's `markDelete` (unknown keys are ignored).
   *
   * @throws RecForgeError INVALID_ARGUMENT when `keys` is not an Int32Array.
   */
  remove(keys: Int32Array): void {
    checkKeys(keys, 'HnswlibIndex.remove')
    for (const key of keys) {
      if (!this.live.has(key)) continue
      this.native.markDelete(key >>> 0)
      this.live.delete(key)
    }
  }

  /**
   * The `k` approximate nearest neighbours, nearest first; `filter` runs inside hnswlib's search.
   *
   * @throws RecForgeError DIMENSION_MISMATCH or INVALID_ARGUMENT for a bad query.
   */
  search(query: Float32Array, k: number, filter?: (key: number) => boolean): SearchResult {
    checkQuery(query, this.dimensions, 'HnswlibIndex.search')
    checkK(k, 'HnswlibIndex.search')
    const kk = Math.min(k, this.live.size)
    if (kk === 0) return { keys: new Int32Array(0), distances: new Float32Array(0) }
    const point = this.point
    for (let j = 0; j < this.dimensions; j++) point[j] = query[j]!
    const res = filter ? this.native.searchKnn(point, kk, (label) => filter(label | 0)) : this.native.searchKnn(point, kk)
    const n = res.neighbors.length
    const keys = new Int32Array(n)
    const distances = new Float32Array(n)
    const shift = nativeDistanceShift(this.metric)
    for (let j = 0; j < n; j++) {
      keys[j] = res.neighbors[j]! | 0
      distances[j] = res.distances[j]! + shift
    }
    return { keys, distances }
  }

  /**
   * hnswlib's own index file wrapped in RecForge's checksummed container.
   *
   * @throws RecForgeError IO_ERROR when the temporary file cannot be written.
   */
  async save(): Promise<Uint8Array> {
    const { readFile } = await import('node:fs/promises')
    const graph = await withTempFile(async (file) => {
      this.native.writeIndexSync(file)
      return new Uint8Array(await readFile(file))
    })
    return encodeArtifacts({
      model: FORMAT,
      formatVersion: FORMAT_VERSION,
      config: { dimensions: this.dimensions, metric: this.metric, M: this.M, efConstruction: this.efConstruction, efSearch: this.ef, seed: this.seed },
      tensors: { graph, live: Int32Array.from(this.live), stored: Int32Array.from(this.stored) },
    })
  }

  /**
   * Rebuilds an index from {@link HnswlibIndex.save} bytes.
   *
   * @example
   * ```ts
   * const again = await HnswlibIndex.load(await index.save())
   * ```
   * @throws RecForgeError CHECKSUM_MISMATCH, PARSE_ERROR or MISSING_DEPENDENCY.
   */
  static async load(bytes: Uint8Array, binding?: HnswlibBinding): Promise<HnswlibIndex> {
    const a = decodeArtifacts(bytes, 'hnswlib index')
    checkArtifacts(a, FORMAT, FORMAT_VERSION)
    const c = a.config
    const b = binding ?? (await loadHnswlib())
    const index = new HnswlibIndex(b, { ...savedHnswParams(c), capacity: 1 })
    const graph = requireTensor(a, 'graph', Uint8Array)
    const { writeFile } = await import('node:fs/promises')
    await withTempFile(async (file) => {
      await writeFile(file, graph)
      index.native.readIndexSync(file, false)
    })
    index.native.setEf(index.ef)
    for (const key of requireTensor(a, 'live', Int32Array)) index.live.add(key)
    for (const key of requireTensor(a, 'stored', Int32Array)) index.stored.add(key)
    return index
  }
}
