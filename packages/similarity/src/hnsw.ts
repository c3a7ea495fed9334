import { dot, heapPop, heapPush, normalizeInPlace, squaredL2 } from '@recforge/compute'
import { Random, RecForgeError, checkArtifacts, checkNumber, decodeArtifacts, encodeArtifacts, requireTensor, type Metric, type SearchResult, type VectorIndex } from '@recforge/core'
import { VectorArena } from './internal/arena'
import { savedHnswParams } from './internal/savedParams'
import { checkBatch, checkDimensions, checkK, checkKeys, checkMetric, checkQuery } from './internal/validate'

const FORMAT = 'hnsw-index'
const FORMAT_VERSION = 1

/** Options for {@link HnswIndex}. */
export interface HnswIndexOptions {
  /** Vector length. */
  dimensions: number
  /** Distance measure (smaller is closer). Defaults to `'cosine'`. */
  metric?: Metric
  /** Links per node on upper layers; layer 0 keeps `2 * M`. Defaults to `16`. */
  M?: number
  /** Candidate list size while inserting; larger builds slower and searches better. Defaults to `200`. */
  efConstruction?: number
  /** Candidate list size while searching (raised to `k` when smaller). Defaults to `64`. */
  efSearch?: number
  /**
   * Fill link lists that the selection heuristic left short with the nearest pruned candidates
   * (the paper's `keepPrunedConnections`); keeps the graph connected on duplicate-heavy data and
   * inner-product spaces, at the cost of more distance computations per search (hnswlib leaves
   * them out). Defaults to `false`.
   */
  keepPrunedConnections?: boolean
  /**
   * With `metric: 'ip'`, build and search the graph in L2 space: every stored vector gets one more
   * coordinate, `sqrt(R² - |x|²)` with `R` the largest norm stored, and queries a 0 there, so the
   * L2 order is the inner-product order (the reduction of Bachrach et al. 2014). Inner-product
   * spaces give HNSW poorly navigable graphs; this one is a metric space. Returned distances are
   * still `-q·x`, recomputed exactly. It pays off on matrix-factorisation item vectors (recall@10
   * 0.885 → 0.979 at efSearch 64 on ALS-like ml-latest-small factors) and fails where a few
   * vectors are far longer than the rest (0.99 → 0.19 with log-normal norms, σ 0.75): measure on
   * your vectors. Defaults to `false`.
   */
  mipsTransform?: boolean
  /** Seed for the random layer assignment. Defaults to `42`. */
  seed?: number
  /** Initial capacity in vectors; grows by doubling. Defaults to `1024`. */
  capacity?: number
  /** Run distances as WebAssembly SIMD kernels when the dimension is a multiple of 4 and the runtime supports them. Defaults to `true`. */
  simd?: boolean
}

const EMPTY: SearchResult = { keys: new Int32Array(0), distances: new Float32Array(0) }

/** The per-node regions {@link HnswIndex} keeps beside its rows (see `VectorArena`'s `perRow`). */
function graphRegions(M0: number) {
  return {
    links0: [Int32Array, M0 + 1],
    deleted: [Uint8Array, 1],
    visited: [Uint32Array, 1],
    candD: [Float32Array, 1],
    candI: [Int32Array, 1],
    resD: [Float32Array, 1],
    resI: [Int32Array, 1],
  } as const
}

/**
 * Approximate nearest-neighbour search with a hierarchical navigable small-world graph
 * (Malkov & Yashunin 2018) kept in typed arrays: flat link lists per layer, an epoch-stamped
 * visited set and binary heaps on typed arrays, so a search allocates only its result.
 * Removal marks a node deleted (it still routes searches, never appears in results); re-adding a
 * key inserts a fresh node. Filters apply during the layer-0 search, as in hnswlib.
 *
 * @example
 * ```ts
 * const index = new HnswIndex({ dimensions: 64, metric: 'cosine', M: 16, efConstruction: 200 })
 * index.add(keys, vectors)
 * index.efSearch = 64
 * const { keys: top, distances } = index.search(query, 10, (key) => !seen.has(key))
 * ```
 */
export class HnswIndex implements VectorIndex {
  readonly dimensions: number
  readonly metric: Metric
  readonly M: number
  readonly efConstruction: number
  /** Candidate list size while searching; may be changed at any time. */
  efSearch: number
  private readonly seed: number
  private readonly keepPruned: boolean
  private readonly M0: number
  private readonly mL: number
  private readonly ip: boolean
  /** Inner product served through the L2 reduction (see {@link HnswIndexOptions.mipsTransform}). */
  readonly mipsTransform: boolean
  /** Stored row length: `dimensions`, plus the reduction's coordinate (padded to keep SIMD) with `mipsTransform`. */
  private readonly dim: number
  /** `R²`: the largest squared norm stored so far (with `mipsTransform`). */
  private maxNormSq = 0
  private rng: Random
  /**
   * The rows and, in the same memory (so the layer-0 search runs in WebAssembly), the layer-0
   * links, the deleted flags, the visited marks and the search heaps.
   */
  private readonly arena: VectorArena<ReturnType<typeof graphRegions>>
  private keyOf: Int32Array
  private levels: Uint8Array
  private upper: (Int32Array | undefined)[] = []
  private readonly slotOf = new Map<number, number>()
  private count = 0
  private live = 0
  private entry = -1
  private maxLevel = -1
  // search scratch, reused by every call (the marks and heaps are in the arena)
  private epoch = 0
  private candN = 0
  private resN = 0
  private selD = new Float32Array(256)
  private selI = new Int32Array(256)
  private readonly pick: Int32Array
  private readonly nbr: Int32Array
  /** Distances of {@link nbr} on the scalar path (float64, as the scalar kernels return them). */
  private readonly nbrD: Float64Array

  /** @throws RecForgeError INVALID_ARGUMENT for bad dimensions, metric or parameters. */
  constructor(opts: HnswIndexOptions) {
    this.dimensions = checkDimensions(opts?.dimensions, 'HnswIndex')
    this.metric = checkMetric(opts.metric ?? 'cosine', 'HnswIndex')
    this.M = checkNumber('M', opts.M ?? 16, { integer: true, min: 2, max: 255 })
    this.efConstruction = checkNumber('efConstruction', opts.efConstruction ?? 200, { integer: true, min: 1 })
    this.efSearch = checkNumber('efSearch', opts.efSearch ?? 64, { integer: true, min: 1 })
    this.seed = checkNumber('seed', opts.seed ?? 42, { integer: true })
    this.keepPruned = opts.keepPrunedConnections ?? false
    this.M0 = this.M * 2
    this.mL = 1 / Math.log(this.M)
    this.mipsTransform = this.metric === 'ip' && (opts.mipsTransform ?? false)
    this.dim = this.mipsTransform ? this.dimensions + (this.dimensions % 4 === 0 ? 4 : 1) : this.dimensions
    this.ip = this.metric !== 'l2' && !this.mipsTransform
    this.rng = new Random(this.seed)
    const cap = Math.max(1, Math.floor(opts.capacity ?? 1024))
    this.arena = new VectorArena(this.dim, cap, 1, opts.simd ?? true, this.M0 + 1, graphRegions(this.M0))
    this.keyOf = new Int32Array(cap)
    this.levels = new Uint8Array(cap)
    this.pick = new Int32Array(this.M0 + 1)
    this.nbr = new Int32Array(this.M0 + 1)
    this.nbrD = new Float64Array(this.M0 + 1)
  }

  // the arena's regions (new views after it grows)
  private get links0(): Int32Array {
    return this.arena.extra.links0
  }
  private get deleted(): Uint8Array {
    return this.arena.extra.deleted
  }
  private get visited(): Uint32Array {
    return this.arena.extra.visited
  }
  /** Candidate min-heap and result max-heap, room for every node: a search pushes a node at most once. */
  private get candD(): Float32Array {
    return this.arena.extra.candD
  }
  private get candI(): Int32Array {
    return this.arena.extra.candI
  }
  private get resD(): Float32Array {
    return this.arena.extra.resD
  }
  private get resI(): Int32Array {
    return this.arena.extra.resI
  }

  /** Number of live (not removed) vectors. */
  get size(): number {
    return this.live
  }

  /** Nodes in the graph, removed ones included (they keep routing until the index is rebuilt). */
  get nodes(): number {
    return this.count
  }

  /** True when `key` is stored and not removed. */
  has(key: number): boolean {
    return this.slotOf.has(key)
  }

  /**
   * Inserts row-major vectors under `keys`, one at a time into the graph. An existing key is
   * removed first, so its new vector replaces the old one.
   *
   * @throws RecForgeError DIMENSION_MISMATCH when `vectors.length !== keys.length * dimensions`;
   * INVALID_ARGUMENT for NaN or infinite components.
   */
  add(keys: Int32Array, vectors: Float32Array): void {
    const d = this.dimensions
    checkBatch(keys, vectors, d, 'HnswIndex.add')
    if (this.mipsTransform) this.raiseMaxNorm(vectors)
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!
      const old = this.slotOf.get(key)
      if (old !== undefined) this.markDeleted(old)
      if (this.count === this.keyOf.length) this.grow()
      const slot = this.count++
      const ro = this.arena.row(slot)
      this.arena.buf.set(vectors.subarray(i * d, i * d + d), ro)
      if (this.metric === 'cosine') normalizeInPlace(this.arena.buf, ro, d)
      if (this.mipsTransform) this.setExtra(slot)
      this.keyOf[slot] = key
      this.slotOf.set(key, slot)
      this.live++
      this.insert(slot)
    }
  }

  /**
   * Removes `keys` (unknown keys are ignored). Nodes are marked deleted: they stay in the graph
   * for routing but never appear in results.
   *
   * @throws RecForgeError INVALID_ARGUMENT when `keys` is not an Int32Array.
   */
  remove(keys: Int32Array): void {
    checkKeys(keys, 'HnswIndex.remove')
    for (const key of keys) {
      const slot = this.slotOf.get(key)
      if (slot !== undefined) this.markDeleted(slot)
    }
  }

  /**
   * The `k` approximate nearest neighbours of `query`, nearest first. `filter(key)` returning
   * false leaves a key out; the graph is still traversed through it.
   *
   * @example
   * ```ts
   * index.search(q, 10, (key) => key % 2 === 0)
   * ```
   * @throws RecForgeError DIMENSION_MISMATCH for a query of the wrong length; INVALID_ARGUMENT for NaN or a bad `k`.
   */
  search(query: Float32Array, k: number, filter?: (key: number) => boolean): SearchResult {
    checkQuery(query, this.dimensions, 'HnswIndex.search')
    checkK(k, 'HnswIndex.search')
    if (this.live === 0 || k === 0) return EMPTY
    // the query goes to the arena's scratch slot at offset 0
    this.arena.buf.set(query, 0)
    if (this.metric === 'cosine') normalizeInPlace(this.arena.buf, 0, this.dimensions)
    if (this.mipsTransform) this.arena.buf.fill(0, this.dimensions, this.dim)
    const ep = this.descend(0, this.entry, this.maxLevel, 0)
    const ef = Math.max(this.efSearch, k)
    this.searchLayer(0, ep, ef, 0, true, filter)
    // pop the max-heap: worst first
    const n = Math.min(k, this.resN)
    while (this.resN > n) this.popRes()
    const keys = new Int32Array(n)
    const distances = new Float32Array(n)
    const shift = this.metric === 'cosine' ? 1 : 0
    if (this.mipsTransform) {
      // the exact -q·x of each result, in the order it gives (ties of the L2 order can round apart)
      const slots = new Int32Array(n)
      for (let j = n - 1; j >= 0; j--) {
        slots[j] = this.resI[0]!
        this.popRes()
      }
      const ds = Float32Array.from(slots, (slot) => -dot(this.arena.buf, 0, this.arena.buf, this.arena.row(slot), this.dimensions))
      const order = Array.from(slots.keys()).sort((x, y) => ds[x]! - ds[y]! || x - y)
      order.forEach((j, r) => {
        keys[r] = this.keyOf[slots[j]!]!
        distances[r] = ds[j]!
      })
      return { keys, distances }
    }
    for (let j = n - 1; j >= 0; j--) {
      keys[j] = this.keyOf[this.resI[0]!]!
      distances[j] = this.resD[0]! + shift
      this.popRes()
    }
    return { keys, distances }
  }

  /**
   * Serialises the graph and vectors (checksummed, versioned) with `encodeArtifacts` from `@recforge/core`.
   *
   * @example
   * ```ts
   * const again = HnswIndex.fromBytes(await index.save())
   * ```
   */
  async save(): Promise<Uint8Array> {
    return this.toBytes()
  }

  /** Synchronous {@link HnswIndex.save}. */
  toBytes(): Uint8Array {
    const n = this.count
    const upperOffsets = new Int32Array(n + 1)
    for (let i = 0; i < n; i++) upperOffsets[i + 1] = upperOffsets[i]! + (this.upper[i]?.length ?? 0)
    const upperLinks = new Int32Array(upperOffsets[n]!)
    for (let i = 0; i < n; i++) {
      const u = this.upper[i]
      if (u) upperLinks.set(u, upperOffsets[i]!)
    }
    return encodeArtifacts({
      model: FORMAT,
      formatVersion: FORMAT_VERSION,
      config: {
        dimensions: this.dimensions,
        metric: this.metric,
        M: this.M,
        efConstruction: this.efConstruction,
        efSearch: this.efSearch,
        seed: this.seed,
        keepPrunedConnections: this.keepPruned,
        mipsTransform: this.mipsTransform,
      },
      meta: { entry: this.entry, maxLevel: this.maxLevel, nodes: n, live: this.live, ...(this.mipsTransform ? { maxNormSq: this.maxNormSq } : {}) },
      tensors: {
        keys: this.keyOf.subarray(0, n),
        vectors: this.arena.buf.subarray(this.arena.base, this.arena.base + n * this.dim),
        levels: this.levels.subarray(0, n),
        deleted: this.deleted.subarray(0, n),
        links0: this.links0.subarray(0, n * (this.M0 + 1)),
        upperOffsets,
        upperLinks,
      },
    })
  }

  /**
   * Rebuilds an index from {@link HnswIndex.save} bytes.
   *
   * @example
   * ```ts
   * const index = await HnswIndex.load(bytes)
   * ```
   * @throws RecForgeError PARSE_ERROR, CHECKSUM_MISMATCH or UNSUPPORTED_VERSION for bad bytes.
   */
  static async load(bytes: Uint8Array): Promise<HnswIndex> {
    return HnswIndex.fromBytes(bytes)
  }

  /** Synchronous {@link HnswIndex.load}. @throws RecForgeError PARSE_ERROR, CHECKSUM_MISMATCH or UNSUPPORTED_VERSION. */
  static fromBytes(bytes: Uint8Array, source = 'hnsw index'): HnswIndex {
    const a = decodeArtifacts(bytes, source)
    checkArtifacts(a, FORMAT, FORMAT_VERSION)
    const c = a.config
    const n = a.meta?.['nodes'] as number
    const index = new HnswIndex({
      ...savedHnswParams(c),
      keepPrunedConnections: c['keepPrunedConnections'] === true,
      // files from before the option never used the reduction
      mipsTransform: c['mipsTransform'] === true,
      capacity: Math.max(1, n),
    })
    const keys = requireTensor(a, 'keys', Int32Array)
    const vectors = requireTensor(a, 'vectors', Float32Array)
    const levels = requireTensor(a, 'levels', Uint8Array)
    const deleted = requireTensor(a, 'deleted', Uint8Array)
    const links0 = requireTensor(a, 'links0', Int32Array)
    const upperOffsets = requireTensor(a, 'upperOffsets', Int32Array)
    const upperLinks = requireTensor(a, 'upperLinks', Int32Array)
    const d = index.dim
    if (keys.length !== n || vectors.length !== n * d || levels.length !== n || deleted.length !== n || links0.length !== n * (index.M0 + 1) || upperOffsets.length !== n + 1) {
      throw new RecForgeError('PARSE_ERROR', `${source}: tensor sizes do not match ${n} nodes of ${d} dimensions`)
    }
    index.arena.buf.set(vectors, index.arena.base)
    index.keyOf.set(keys)
    index.levels.set(levels)
    index.deleted.set(deleted)
    index.links0.set(links0)
    for (let i = 0; i < n; i++) {
      const s = upperOffsets[i]!
      const e = upperOffsets[i + 1]!
      if (e > s) index.upper[i] = upperLinks.slice(s, e)
      if (!deleted[i]) index.slotOf.set(keys[i]!, i)
    }
    index.count = n
    index.live = index.slotOf.size
    if (index.mipsTransform) {
      const r = a.meta?.['maxNormSq']
      if (typeof r !== 'number' || !(r >= 0)) throw new RecForgeError('PARSE_ERROR', `${source}: an inner-product index with mipsTransform needs meta.maxNormSq; got ${String(r)}`)
      index.maxNormSq = r
    }
    index.entry = a.meta?.['entry'] as number
    index.maxLevel = a.meta?.['maxLevel'] as number
    // continue the level stream deterministically for later inserts
    index.rng = new Random(index.seed + n)
    return index
  }

  /** Raises `R²` to cover `vectors` (row-major), rewriting every stored node's extra coordinate when it grows. */
  private raiseMaxNorm(vectors: Float32Array): void {
    const d = this.dimensions
    let max = this.maxNormSq
    for (let o = 0; o < vectors.length; o += d) {
      let s = 0
      for (let c = 0; c < d; c++) s += vectors[o + c]! * vectors[o + c]!
      if (s > max) max = s
    }
    if (max <= this.maxNormSq) return
    this.maxNormSq = max
    for (let slot = 0; slot < this.count; slot++) this.setExtra(slot)
  }

  /** The reduction's coordinate of a stored node: `sqrt(R² - |x|²)`, then zero padding. */
  private setExtra(slot: number): void {
    const buf = this.arena.buf
    const ro = this.arena.row(slot)
    const d = this.dimensions
    let s = 0
    for (let c = 0; c < d; c++) s += buf[ro + c]! * buf[ro + c]!
    buf.fill(0, ro + d, ro + this.dim)
    buf[ro + d] = Math.sqrt(Math.max(0, this.maxNormSq - s))
  }

  private markDeleted(slot: number): void {
    if (this.deleted[slot]) return
    this.deleted[slot] = 1
    this.slotOf.delete(this.keyOf[slot]!)
    this.live--
  }

  private grow(): void {
    const cap = this.keyOf.length * 2
    const grow = <T extends Int32Array | Uint8Array>(old: T, size: number, make: (n: number) => T): T => {
      const a = make(size)
      a.set(old)
      return a
    }
    this.arena.ensure(cap)
    this.keyOf = grow(this.keyOf, cap, (n) => new Int32Array(n))
    this.levels = grow(this.levels, cap, (n) => new Uint8Array(n))
  }

  /** Internal distance between the vector at element offset `qo` and node `slot`: cosine (1 - dot on unit vectors) is kept as -dot, the 1 is added on output. */
  private dist(qo: number, slot: number): number {
    const ro = this.arena.row(slot)
    return this.ip ? -this.arena.dot(qo, ro) : this.arena.l2(qo, ro)
  }

  private randomLevel(): number {
    const u = 1 - this.rng.float()
    return Math.min(64, Math.floor(-Math.log(u) * this.mL))
  }

  /** Greedy walk from `ep` down to layer `stop + 1`; returns the closest node found. */
  private descend(qo: number, ep: number, from: number, stop: number): number {
    let cur = ep
    let curD = this.dist(qo, cur)
    const stride = this.M + 1
    const arena = this.arena
    for (let l = from; l > stop; l--) {
      let changed = true
      while (changed) {
        changed = false
        const arr = this.upper[cur]!
        const base = (l - 1) * stride
        const cnt = arr[base]!
        // with the SIMD kernels the node's links are scored in one WebAssembly call, then walked in order
        const batched = arena.simd !== undefined && cnt > 1
        let o = 0
        if (batched) {
          const nbr = this.nbr
          for (let j = 0; j < cnt; j++) nbr[j] = arr[base + 1 + j]!
          o = arena.distMany(qo, nbr, cnt, this.ip)
        }
        for (let j = 1; j <= cnt; j++) {
          const e = arr[base + j]!
          const dd = batched ? arena.buf[o + j - 1]! : this.dist(qo, e)
          if (dd < curD) {
            curD = dd
            cur = e
            changed = true
          }
        }
      }
    }
    return cur
  }

  /**
   * Best-first search of one layer from `ep`. Leaves the `ef` best accepted nodes in the result
   * max-heap (`resD`/`resI`). With `forQuery`, deleted and filtered-out nodes are walked but not kept.
   */
  private searchLayer(qo: number, ep: number, ef: number, level: number, forQuery: boolean, filter?: (key: number) => boolean): void {
    if (++this.epoch === 0xffffffff) {
      this.visited.fill(0)
      this.epoch = 1
    }
    const epoch = this.epoch
    const arena = this.arena
    const simd = arena.simd
    this.candN = 0
    if (simd && level === 0 && !filter) {
      // the whole layer-0 search in one WebAssembly call, on the same links, marks and heaps
      const x = arena.extra
      this.resN = simd.search0(
        qo << 2, ep, ef, epoch, (forQuery ? 1 : 0) | (this.ip ? 2 : 0), this.dim, arena.base << 2,
        x.links0.byteOffset, (this.M0 + 1) << 2, x.visited.byteOffset, x.deleted.byteOffset,
        x.candD.byteOffset, x.candI.byteOffset, x.resD.byteOffset, x.resI.byteOffset, arena.listAt << 2, arena.outAt << 2,
      )
      return
    }
    const visited = this.visited
    this.resN = 0
    const deleted = this.deleted
    const keyOf = this.keyOf
    const d0 = this.dist(qo, ep)
    visited[ep] = epoch
    this.pushCand(d0, ep)
    if (!forQuery || (!deleted[ep] && (!filter || filter(keyOf[ep]!)))) this.pushRes(d0, ep)
    const links0 = this.links0
    const s0 = this.M0 + 1
    const s1 = this.M + 1
    const buf = arena.buf
    const rowBase = arena.base
    const dims = this.dim
    const ip = this.ip
    const nbr = this.nbr
    const nbrD = this.nbrD
    while (this.candN > 0) {
      const cd = this.candD[0]!
      const c = this.candI[0]!
      if (this.resN >= ef && cd > this.resD[0]!) break
      this.popCand()
      let arr: Int32Array
      let base: number
      if (level === 0) {
        arr = links0
        base = c * s0
      } else {
        arr = this.upper[c]!
        base = (level - 1) * s1
      }
      const cnt = arr[base]!
      let m = 0
      for (let j = 1; j <= cnt; j++) {
        const e = arr[base + j]!
        if (visited[e] === epoch) continue
        visited[e] = epoch
        nbr[m++] = e
      }
      if (m === 0) continue
      // the unvisited neighbours' distances: one WebAssembly call, or the scalar kernels
      let dist: Float32Array | Float64Array = nbrD
      let off = 0
      if (simd) {
        off = arena.distMany(qo, nbr, m, ip)
        dist = buf
      } else {
        for (let t = 0; t < m; t++) {
          const ro = rowBase + nbr[t]! * dims
          nbrD[t] = ip ? -dot(buf, qo, buf, ro, dims) : squaredL2(buf, qo, buf, ro, dims)
        }
      }
      for (let t = 0; t < m; t++) {
        const e = nbr[t]!
        const dd = dist[off + t]!
        if (this.resN < ef || dd < this.resD[0]!) {
          this.pushCand(dd, e)
          if (!forQuery || (!deleted[e] && (!filter || filter(keyOf[e]!)))) {
            this.pushRes(dd, e)
            if (this.resN > ef) this.popRes()
          }
        }
      }
    }
  }

  private insert(slot: number): void {
    const level = this.randomLevel()
    this.levels[slot] = level
    const M = this.M
    if (level > 0) this.upper[slot] = new Int32Array(level * (M + 1))
    else this.upper[slot] = undefined
    this.links0[slot * (this.M0 + 1)] = 0
    if (this.entry < 0) {
      this.entry = slot
      this.maxLevel = level
      return
    }
    const qo = this.arena.row(slot)
    let ep = this.entry
    if (this.maxLevel > level) ep = this.descend(qo, ep, this.maxLevel, level)
    for (let l = Math.min(level, this.maxLevel); l >= 0; l--) {
      this.searchLayer(qo, ep, this.efConstruction, l, false, undefined)
      // drain the max-heap into ascending order
      const n = this.resN
      if (this.selD.length < n) {
        this.selD = new Float32Array(n * 2)
        this.selI = new Int32Array(n * 2)
      }
      for (let j = n - 1; j >= 0; j--) {
        this.selD[j] = this.resD[0]!
        this.selI[j] = this.resI[0]!
        this.popRes()
      }
      ep = this.selI[0]!
      const chosen = this.heuristic(this.selD, this.selI, n, M)
      // our own links at this layer
      const [arr, base] = this.linksOf(slot, l)
      arr[base] = chosen
      for (let j = 0; j < chosen; j++) arr[base + 1 + j] = this.pick[j]!
      // back links
      const cap = l === 0 ? this.M0 : M
      // read our own list: connect() reuses this.pick
      for (let j = 0; j < chosen; j++) this.connect(arr[base + 1 + j]!, slot, l, cap)
    }
    if (level > this.maxLevel) {
      this.entry = slot
      this.maxLevel = level
    }
  }

  private linksOf(slot: number, l: number): [Int32Array, number] {
    return l === 0 ? [this.links0, slot * (this.M0 + 1)] : [this.upper[slot]!, (l - 1) * (this.M + 1)]
  }

  /** Adds `to` to the link list of `from` at layer `l`, pruning with the heuristic on overflow. */
  private connect(from: number, to: number, l: number, cap: number): void {
    const [arr, base] = this.linksOf(from, l)
    const cnt = arr[base]!
    if (cnt < cap) {
      arr[base + 1 + cnt] = to
      arr[base] = cnt + 1
      return
    }
    // gather the current links plus the new one, sorted by distance from `from`
    const fo = this.arena.row(from)
    const m = cnt + 1
    const sd = this.candD.length >= m ? this.candD : new Float32Array(m)
    const si = this.candI.length >= m ? this.candI : new Int32Array(m)
    for (let j = 0; j < m; j++) si[j] = j < cnt ? arr[base + 1 + j]! : to
    if (this.arena.simd) {
      // all m distances in one WebAssembly call
      const o = this.arena.distMany(fo, si, m, this.ip)
      sd.set(this.arena.buf.subarray(o, o + m))
    } else for (let j = 0; j < m; j++) sd[j] = this.dist(fo, si[j]!)
    // insertion sort: m is at most 2M + 1
    for (let j = 1; j < m; j++) {
      const kd = sd[j]!
      const ki = si[j]!
      let p = j - 1
      while (p >= 0 && sd[p]! > kd) {
        sd[p + 1] = sd[p]!
        si[p + 1] = si[p]!
        p--
      }
      sd[p + 1] = kd
      si[p + 1] = ki
    }
    const chosen = this.heuristic(sd, si, m, cap)
    arr[base] = chosen
    for (let j = 0; j < chosen; j++) arr[base + 1 + j] = this.pick[j]!
  }

  /**
   * The neighbour-selection heuristic (HNSW paper, algorithm 4): walking candidates nearest
   * first, keep one only if it is closer to the base than to every neighbour kept so far.
   * Writes the kept nodes to `this.pick`; returns how many.
   */
  private heuristic(sd: Float32Array, si: Int32Array, n: number, max: number): number {
    if (n <= max) {
      for (let j = 0; j < n; j++) this.pick[j] = si[j]!
      return n
    }
    let kept = 0
    const arena = this.arena
    for (let j = 0; j < n && kept < max; j++) {
      const e = si[j]!
      const de = sd[j]!
      let good = true
      // with the SIMD kernels, e's distances to every kept node in one WebAssembly call
      const batched = arena.simd !== undefined && kept > 1
      const o = batched ? arena.distMany(arena.row(e), this.pick, kept, this.ip) : 0
      for (let r = 0; r < kept; r++) {
        if ((batched ? arena.buf[o + r]! : this.dist(arena.row(e), this.pick[r]!)) < de) {
          good = false
          break
        }
      }
      if (good) {
        this.pick[kept++] = e
        si[j] = -1
      }
    }
    if (this.keepPruned) for (let j = 0; j < n && kept < max; j++) if (si[j]! >= 0) this.pick[kept++] = si[j]!
    return kept
  }

  // ---- binary heaps on typed arrays (compute's heapPush/heapPop): candidates (min by distance), results (max by distance)

  private pushCand(dd: number, id: number): void {
    heapPush(this.candD, this.candI, this.candN++, dd, id, 1)
  }

  private popCand(): void {
    heapPop(this.candD, this.candI, --this.candN, 1)
  }

  private pushRes(dd: number, id: number): void {
    heapPush(this.resD, this.resI, this.resN++, dd, id, -1)
  }

  private popRes(): void {
    heapPop(this.resD, this.resI, --this.resN, -1)
  }
}
