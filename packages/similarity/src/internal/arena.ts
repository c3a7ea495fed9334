/**
 * Row-major vector storage shared by the indexes, with distance kernels.
 *
 * When the dimension is a multiple of four and the runtime has WebAssembly SIMD, the rows live in
 * a growable `WebAssembly.Memory` (compute's arena) and dot products / squared L2 distances run as
 * the 128-bit SIMD kernels of distance.wat (four Float32 lanes per instruction); otherwise they
 * live in a plain Float32Array and compute's unrolled TypeScript kernels run. The index logic is
 * the same either way; rows and query scratch slots are addressed by element offsets into
 * {@link VectorArena.buf}.
 */
import { arrayArena, compileWasm, dot, instantiateWasm, squaredL2, wasmArena, type Arena } from '@recforge/compute'
import { distanceWasm } from './distance.wasm.generated'

/** The SIMD kernels, on byte offsets into the arena's memory. */
export interface SimdKernels {
  dot(a: number, b: number, n: number): number
  l2(a: number, b: number, n: number): number
  /** For `count` row byte offsets at byte offset `list`, writes `dot(q, row)` as f32 to byte offset `out` onwards. */
  dotMany(q: number, list: number, count: number, n: number, out: number): void
  /** As {@link SimdKernels.dotMany} with squared L2 distances. */
  l2Many(q: number, list: number, count: number, n: number, out: number): void
  /**
   * HNSW's best-first search of layer 0 (see distance.wat, `search0`): leaves the result max-heap
   * at `resD`/`resI` and returns its size.
   */
  search0(
    q: number, ep: number, ef: number, epoch: number, flags: number, n: number, rows: number, links: number, stride: number,
    visited: number, deleted: number, candD: number, candI: number, resD: number, resI: number, list: number, out: number,
  ): number
}

/** Typed-array constructors a region of {@link VectorArena} can have. */
type RegionConstructor = Float32ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor | Uint8ArrayConstructor

/** Regions sized by the row capacity: each `[constructor, elements per row]`, allocated for `capacity + 1` rows. */
export type PerRowSpec = Readonly<Record<string, readonly [RegionConstructor, number]>>

/** The views of a {@link PerRowSpec}. */
export type PerRowViews<E extends PerRowSpec> = { readonly [K in keyof E]: InstanceType<E[K][0]> }

/** The compiled distance kernels, or null where WebAssembly SIMD is unavailable. */
function simdModule(): WebAssembly.Module | null {
  return compileWasm(distanceWasm)
}

/** True when the SIMD kernels can run here. */
export function simdAvailable(): boolean {
  return simdModule() !== null
}

/** The arena's regions: `data` (the scratch slots, the batched kernels' list and results, then the rows), then the per-row ones in spec order. */
type Store = Arena<Readonly<Record<string, readonly [RegionConstructor, number]>>>

/**
 * Row storage with `scratch` query slots in front of the rows, and (for the batched kernels) a
 * list of `batch` row offsets and `batch` results between the slots and the rows. `perRow` adds
 * regions that grow with the rows (an index's links, marks and heaps), in the same memory so
 * that kernels can read them; {@link VectorArena.extra} holds their views.
 */
export class VectorArena<E extends PerRowSpec = Record<never, never>> {
  readonly d: number
  /** Element offset of row 0 (the scratch slots come first). */
  readonly base: number
  /** Element offset of the i32 row-offset list of the batched kernels. */
  readonly listAt: number
  /** Element offset of the f32 results of the batched kernels. */
  readonly outAt: number
  buf: Float32Array
  /** The same memory as {@link VectorArena.buf}, as 32-bit integers (for the offset list). */
  ints: Int32Array
  capacity: number
  simd: SimdKernels | undefined
  /** The per-row regions' views; new objects after {@link VectorArena.ensure} grows the arena. */
  extra: PerRowViews<E>
  private store: Store
  private readonly perRow: E
  private readonly mod: WebAssembly.Module | null

  constructor(d: number, capacity: number, scratch: number, useSimd = true, batch = 0, perRow?: E) {
    this.d = d
    this.listAt = scratch * d
    this.outAt = this.listAt + batch
    this.base = Math.ceil((scratch * d + 2 * batch) / 4) * 4
    this.capacity = Math.max(1, capacity)
    this.perRow = perRow ?? ({} as E)
    this.mod = useSimd && d % 4 === 0 ? simdModule() : null
    const { store, simd } = this.allocate(this.capacity)
    this.store = store
    this.simd = simd
    this.buf = store.views['data'] as Float32Array
    this.ints = new Int32Array(this.buf.buffer, 0, this.base)
    this.extra = this.extraViews()
  }

  /** A store for `capacity` rows (WebAssembly memory when the kernels run), and the kernels on it. */
  private allocate(capacity: number): { store: Store; simd: SimdKernels | undefined } {
    // the rows first, so that element offset × 4 is the kernels' byte offset
    const spec: Record<string, readonly [RegionConstructor, number]> = { data: [Float32Array, this.base + capacity * this.d] }
    for (const [name, [C, per]] of Object.entries(this.perRow)) spec[name] = [C, per * (capacity + 1)]
    const memory = this.mod ? wasmArena(spec, { growable: true }) : undefined
    const store = memory ?? arrayArena(spec, { growable: true })
    const simd = this.mod && memory ? (instantiateWasm(this.mod, memory.memory!) as unknown as SimdKernels) : undefined
    return { store, simd }
  }

  private extraViews(): PerRowViews<E> {
    const v: Record<string, unknown> = {}
    for (const name of Object.keys(this.perRow)) v[name] = this.store.views[name]
    return v as PerRowViews<E>
  }

  /** Element offset of row `slot`. */
  row(slot: number): number {
    return this.base + slot * this.d
  }

  /**
   * Distances from the row at element offset `q` to rows `slots[0..m)` in one SIMD call: squared
   * L2, or the negated dot product with `ip` (smaller is closer either way). Returns the element
   * offset in {@link VectorArena.buf} where the `m` results start. Needs {@link VectorArena.simd}.
   */
  distMany(q: number, slots: Int32Array, m: number, ip: boolean): number {
    const simd = this.simd!
    const { ints, listAt, outAt, buf } = this
    for (let j = 0; j < m; j++) ints[listAt + j] = (this.base + slots[j]! * this.d) << 2
    if (ip) {
      simd.dotMany(q << 2, listAt << 2, m, this.d, outAt << 2)
      for (let j = 0; j < m; j++) buf[outAt + j] = -buf[outAt + j]!
    } else simd.l2Many(q << 2, listAt << 2, m, this.d, outAt << 2)
    return outAt
  }

  /** Grows (doubling) so that `rows` rows fit; keeps the contents of every region. */
  ensure(rows: number): void {
    if (rows <= this.capacity) return
    let cap = this.capacity
    while (cap < rows) cap *= 2
    if (Object.keys(this.perRow).length === 0) this.store.grow(this.base + cap * this.d)
    else {
      // the per-row regions sit after the rows: lay the arena out anew and copy every region
      const { store, simd } = this.allocate(cap)
      for (const [name, view] of Object.entries(this.store.views)) (store.views[name] as Float32Array).set(view as Float32Array)
      this.store = store
      this.simd = simd
    }
    this.buf = this.store.views['data'] as Float32Array
    this.ints = new Int32Array(this.buf.buffer, 0, this.base)
    this.extra = this.extraViews()
    this.capacity = cap
  }

  /** Dot product of the vectors at element offsets `a` and `b`. */
  dot(a: number, b: number): number {
    const s = this.simd
    return s ? s.dot(a << 2, b << 2, this.d) : dot(this.buf, a, this.buf, b, this.d)
  }

  /** Squared L2 distance of the vectors at element offsets `a` and `b`. */
  l2(a: number, b: number): number {
    const s = this.simd
    return s ? s.l2(a << 2, b << 2, this.d) : squaredL2(this.buf, a, this.buf, b, this.d)
  }
}
