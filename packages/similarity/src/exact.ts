import { dot, normalizeInPlace, squaredL2 } from '@recforge/compute'
import { RecForgeError, checkArtifacts, decodeArtifacts, encodeArtifacts, requireTensor, topK, type Metric, type SearchResult, type VectorIndex } from '@recforge/core'
import { VectorArena } from './internal/arena'
import { checkBatch, checkDimensions, checkK, checkKeys, checkMetric, checkQuery } from './internal/validate'

const FORMAT = 'exact-index'
const FORMAT_VERSION = 1

/** Options for {@link ExactIndex}. */
export interface ExactIndexOptions {
  /** Vector length. */
  dimensions: number
  /** Distance measure (smaller is closer). Defaults to `'cosine'`. */
  metric?: Metric
  /** Initial capacity in vectors; grows by doubling. Defaults to `1024`. */
  capacity?: number
  /** Run distances as WebAssembly SIMD kernels when the dimension is a multiple of 4 and the runtime supports them. Defaults to `true`. */
  simd?: boolean
}

const EMPTY: SearchResult = { keys: new Int32Array(0), distances: new Float32Array(0) }

/**
 * Exact nearest-neighbour search: every stored vector is scored against the query with unrolled
 * Float32 kernels (queries in blocks of four in {@link ExactIndex.searchBatch}), and the best
 * `k` are kept with a size-k heap. Cosine vectors are stored normalised, so cosine costs one dot
 * product per item.
 *
 * @example
 * ```ts
 * const index = new ExactIndex({ dimensions: 3, metric: 'cosine' })
 * index.add(new Int32Array([7, 8]), new Float32Array([1, 0, 0, 0, 1, 0]))
 * index.search(new Float32Array([1, 0.1, 0]), 1) // { keys: [7], distances: [~0.005] }
 * ```
 */
export class ExactIndex implements VectorIndex {
  readonly dimensions: number
  readonly metric: Metric
  private readonly arena: VectorArena
  private keyOf: Int32Array
  private readonly slotOf = new Map<number, number>()
  private count = 0
  private scores = new Float32Array(0)

  /** @throws RecForgeError INVALID_ARGUMENT for bad dimensions, metric or capacity. */
  constructor(opts: ExactIndexOptions) {
    this.dimensions = checkDimensions(opts?.dimensions, 'ExactIndex')
    this.metric = checkMetric(opts.metric ?? 'cosine', 'ExactIndex')
    const cap = Math.max(1, Math.floor(opts.capacity ?? 1024))
    this.arena = new VectorArena(this.dimensions, cap, 4, opts.simd ?? true)
    this.keyOf = new Int32Array(cap)
  }

  /** Number of stored vectors. */
  get size(): number {
    return this.count
  }

  /** True when `key` is stored. */
  has(key: number): boolean {
    return this.slotOf.has(key)
  }

  /** Stored keys in storage order (a copy). */
  keys(): Int32Array {
    return this.keyOf.slice(0, this.count)
  }

  /**
   * Adds row-major vectors under `keys`; an existing key gets its vector replaced.
   *
   * @throws RecForgeError DIMENSION_MISMATCH when `vectors.length !== keys.length * dimensions`;
   * INVALID_ARGUMENT for NaN or infinite components.
   */
  add(keys: Int32Array, vectors: Float32Array): void {
    const d = this.dimensions
    checkBatch(keys, vectors, d, 'ExactIndex.add')
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!
      let slot = this.slotOf.get(key)
      if (slot === undefined) {
        if (this.count === this.keyOf.length) this.grow()
        slot = this.count++
        this.slotOf.set(key, slot)
        this.keyOf[slot] = key
      }
      const ro = this.arena.row(slot)
      this.arena.buf.set(vectors.subarray(i * d, i * d + d), ro)
      if (this.metric === 'cosine') normalizeInPlace(this.arena.buf, ro, d)
    }
  }

  /**
   * Removes `keys` (unknown keys are ignored). The last vector moves into the freed slot, so
   * storage stays dense.
   *
   * @throws RecForgeError INVALID_ARGUMENT when `keys` is not an Int32Array.
   */
  remove(keys: Int32Array): void {
    checkKeys(keys, 'ExactIndex.remove')
    const d = this.dimensions
    for (const key of keys) {
      const slot = this.slotOf.get(key)
      if (slot === undefined) continue
      this.slotOf.delete(key)
      const last = --this.count
      if (slot !== last) {
        const moved = this.keyOf[last]!
        this.keyOf[slot] = moved
        this.slotOf.set(moved, slot)
        this.arena.buf.copyWithin(this.arena.row(slot), this.arena.row(last), this.arena.row(last) + d)
      }
    }
  }

  /**
   * The `k` nearest stored vectors to `query`, nearest first. `filter(key)` returning false
   * leaves a key out (seen items, allow-lists).
   *
   * @example
   * ```ts
   * index.search(q, 10, (key) => !seen.has(key))
   * ```
   * @throws RecForgeError DIMENSION_MISMATCH for a query of the wrong length; INVALID_ARGUMENT for NaN or a bad `k`.
   */
  search(query: Float32Array, k: number, filter?: (key: number) => boolean): SearchResult {
    checkQuery(query, this.dimensions, 'ExactIndex.search')
    checkK(k, 'ExactIndex.search')
    if (this.count === 0 || k === 0) return EMPTY
    const scores = this.scratch()
    this.prepareQuery(query, 0)
    this.scoreOne(scores)
    return this.select(scores, k, filter)
  }

  /**
   * Searches many queries (row-major `queries.length / dimensions` rows) in one pass over the
   * data in blocks of four queries, which reads each stored vector once per block.
   *
   * @example
   * ```ts
   * const results = index.searchBatch(userVectors, 10)
   * results[0].keys
   * ```
   * @throws RecForgeError DIMENSION_MISMATCH when `queries.length` is not a multiple of the dimensions; INVALID_ARGUMENT for NaN.
   */
  searchBatch(queries: Float32Array, k: number, filter?: (key: number) => boolean): SearchResult[] {
    const d = this.dimensions
    if (!(queries instanceof Float32Array) || queries.length % d !== 0) {
      throw new RecForgeError('DIMENSION_MISMATCH', `ExactIndex.searchBatch: queries must be a Float32Array whose length is a multiple of ${d} (the index dimensions); got length ${queries?.length}`)
    }
    checkK(k, 'ExactIndex.searchBatch')
    const nq = queries.length / d
    for (let i = 0; i < nq; i++) checkQuery(queries.subarray(i * d, i * d + d), d, `ExactIndex.searchBatch (query ${i})`)
    const out: SearchResult[] = []
    if (this.count === 0 || k === 0) {
      for (let i = 0; i < nq; i++) out.push(EMPTY)
      return out
    }
    const n = this.count
    const block = new Float32Array(4 * n)
    for (let q0 = 0; q0 < nq; q0 += 4) {
      const b = Math.min(4, nq - q0)
      for (let t = 0; t < b; t++) this.prepareQuery(queries.subarray((q0 + t) * d, (q0 + t) * d + d), t)
      if (b === 4 && !this.arena.simd) this.scoreFour(block)
      else for (let t = 0; t < b; t++) this.scoreOne(block.subarray(t * n, t * n + n), t)
      for (let t = 0; t < b; t++) out.push(this.select(block.subarray(t * n, t * n + n), k, filter))
    }
    return out
  }

  /**
   * Serialises the index (checksummed, versioned) with `encodeArtifacts` from `@recforge/core`.
   *
   * @example
   * ```ts
   * const again = ExactIndex.fromBytes(await index.save())
   * ```
   */
  async save(): Promise<Uint8Array> {
    return this.toBytes()
  }

  /** Synchronous {@link ExactIndex.save}. */
  toBytes(): Uint8Array {
    return encodeArtifacts({
      model: FORMAT,
      formatVersion: FORMAT_VERSION,
      config: { dimensions: this.dimensions, metric: this.metric },
      tensors: { keys: this.keyOf.subarray(0, this.count), vectors: this.arena.buf.subarray(this.arena.base, this.arena.base + this.count * this.dimensions) },
    })
  }

  /**
   * Rebuilds an index from {@link ExactIndex.save} bytes.
   *
   * @example
   * ```ts
   * const index = await ExactIndex.load(bytes)
   * ```
   * @throws RecForgeError PARSE_ERROR, CHECKSUM_MISMATCH or UNSUPPORTED_VERSION for bad bytes.
   */
  static async load(bytes: Uint8Array): Promise<ExactIndex> {
    return ExactIndex.fromBytes(bytes)
  }

  /** Synchronous {@link ExactIndex.load}. @throws RecForgeError PARSE_ERROR, CHECKSUM_MISMATCH or UNSUPPORTED_VERSION. */
  static fromBytes(bytes: Uint8Array, source = 'exact index'): ExactIndex {
    const a = decodeArtifacts(bytes, source)
    checkArtifacts(a, FORMAT, FORMAT_VERSION)
    const dimensions = a.config['dimensions'] as number
    const metric = a.config['metric'] as Metric
    const keys = requireTensor(a, 'keys', Int32Array)
    const vectors = requireTensor(a, 'vectors', Float32Array)
    if (vectors.length !== keys.length * dimensions) throw new RecForgeError('PARSE_ERROR', `${source}: ${keys.length} keys but ${vectors.length} vector values for ${dimensions} dimensions`)
    const index = new ExactIndex({ dimensions, metric, capacity: Math.max(1, keys.length) })
    index.arena.buf.set(vectors, index.arena.base)
    index.keyOf.set(keys)
    index.count = keys.length
    for (let i = 0; i < keys.length; i++) index.slotOf.set(keys[i]!, i)
    return index
  }

  private grow(): void {
    const cap = this.keyOf.length * 2
    this.arena.ensure(cap)
    const keyOf = new Int32Array(cap)
    keyOf.set(this.keyOf)
    this.keyOf = keyOf
  }

  private scratch(): Float32Array {
    if (this.scores.length < this.count) this.scores = new Float32Array(this.keyOf.length)
    return this.scores.subarray(0, this.count)
  }

  private prepareQuery(q: Float32Array, t: number): void {
    const d = this.dimensions
    this.arena.buf.set(q, t * d)
    if (this.metric === 'cosine') normalizeInPlace(this.arena.buf, t * d, d)
  }

  /** Writes `-distance` of query slot `t` to every stored vector into `out`. */
  private scoreOne(out: Float32Array, t = 0): void {
    const { dimensions: d, count: n } = this
    const { buf, base, simd } = this.arena
    const qo = t * d
    if (simd) {
      const qb = qo << 2
      const rb = base << 2
      const stride = d << 2
      if (this.metric === 'l2') for (let i = 0; i < n; i++) out[i] = -simd.l2(qb, rb + i * stride, d)
      else if (this.metric === 'ip') for (let i = 0; i < n; i++) out[i] = simd.dot(qb, rb + i * stride, d)
      else for (let i = 0; i < n; i++) out[i] = simd.dot(qb, rb + i * stride, d) - 1
      return
    }
    const data = buf
    const qbuf = buf
    if (this.metric === 'l2') for (let i = 0; i < n; i++) out[i] = -squaredL2(data, base + i * d, qbuf, qo, d)
    else if (this.metric === 'ip') for (let i = 0; i < n; i++) out[i] = dot(data, base + i * d, qbuf, qo, d)
    else for (let i = 0; i < n; i++) out[i] = dot(data, base + i * d, qbuf, qo, d) - 1
  }

  /** Scores four prepared queries at once: each stored row is read once for all four. */
  private scoreFour(out: Float32Array): void {
    const { dimensions: d, count: n } = this
    const { buf: data, base } = this.arena
    const q = data
    const l2 = this.metric === 'l2'
    const shift = this.metric === 'cosine' ? -1 : 0
    const o1 = d
    const o2 = 2 * d
    const o3 = 3 * d
    for (let i = 0; i < n; i++) {
      const r = base + i * d
      let s0 = 0
      let s1 = 0
      let s2 = 0
      let s3 = 0
      if (l2) {
        for (let j = 0; j < d; j++) {
          const x = data[r + j]!
          const t0 = x - q[j]!
          const t1 = x - q[o1 + j]!
          const t2 = x - q[o2 + j]!
          const t3 = x - q[o3 + j]!
          s0 += t0 * t0
          s1 += t1 * t1
          s2 += t2 * t2
          s3 += t3 * t3
        }
        out[i] = -s0
        out[n + i] = -s1
        out[2 * n + i] = -s2
        out[3 * n + i] = -s3
      } else {
        for (let j = 0; j < d; j++) {
          const x = data[r + j]!
          s0 += x * q[j]!
          s1 += x * q[o1 + j]!
          s2 += x * q[o2 + j]!
          s3 += x * q[o3 + j]!
        }
        out[i] = s0 + shift
        out[n + i] = s1 + shift
        out[2 * n + i] = s2 + shift
        out[3 * n + i] = s3 + shift
      }
    }
  }

  private select(scores: Float32Array, k: number, filter?: (key: number) => boolean): SearchResult {
    if (filter) {
      const keyOf = this.keyOf
      for (let i = 0; i < scores.length; i++) if (!filter(keyOf[i]!)) scores[i] = Number.NaN
    }
    const top = topK(scores, k)
    const keys = new Int32Array(top.items.length)
    const distances = new Float32Array(top.items.length)
    for (let j = 0; j < keys.length; j++) {
      keys[j] = this.keyOf[top.items[j]!]!
      distances[j] = -top.scores[j]!
    }
    return { keys, distances }
  }
}
