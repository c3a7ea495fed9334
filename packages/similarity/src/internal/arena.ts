/**
 * Row-major vector storage shared by the indexes, with distance kernels.
 *
 * When the dimension is a multiple of four and the runtime has WebAssembly SIMD, the rows live in
 * a `WebAssembly.Memory` and dot products / squared L2 distances run as 128-bit SIMD kernels (four
 * Float32 lanes per instruction); otherwise they live in a plain Float32Array and the unrolled
 * TypeScript kernels run. The index logic is the same either way; rows and query scratch slots
 * are addressed by element offsets into {@link VectorArena.buf}.
 */
import { dot, l2sq } from './kernels'

/** The two SIMD kernels, on byte offsets into the arena's memory. */
export interface SimdKernels {
  dot(a: number, b: number, n: number): number
  l2(a: number, b: number, n: number): number
  /** For `count` row byte offsets at byte offset `list`, writes `dot(q, row)` as f32 to byte offset `out` onwards. */
  dotMany(q: number, list: number, count: number, n: number, out: number): void
  /** As {@link SimdKernels.dotMany} with squared L2 distances. */
  l2Many(q: number, list: number, count: number, n: number, out: number): void
}

function leb(n: number): number[] {
  const o: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n) b |= 0x80
    o.push(b)
  } while (n)
  return o
}
const str = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))]
const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes]
const simd = (op: number) => [0xfd, ...leb(op)]
const V128 = 0x7b
const I32 = 0x7f
const F32 = 0x7d
// v128.load with a 16-byte alignment hint and offset 0, or offset 16
const LOAD0 = [...simd(0), 4, 0]
const LOAD16 = [...simd(0), 4, 16]

/**
 * One kernel: `(a, b, n) -> f32`, a and b byte offsets, n floats (a multiple of 4). Two
 * accumulators over 8 floats per iteration, then one 4-float step when n % 8 == 4.
 * Locals: 3 acc0, 4 acc1, 5 end, 6 tmp.
 */
function kernelBody(l2: boolean): number[] {
  const term = (off: number[]) =>
    l2
      ? [0x20, 0, ...off, 0x20, 1, ...off, ...simd(229) /* f32x4.sub */, 0x22, 6, 0x20, 6, ...simd(230) /* f32x4.mul */]
      : [0x20, 0, ...off, 0x20, 1, ...off, ...simd(230)]
  // end8 = a + (n & -8) * 4
  const body = [
    0x20, 0, 0x20, 2, 0x41, 0x78 /* i32.const -8 */, 0x71 /* and */, 0x41, 2, 0x74 /* shl */, 0x6a /* add */, 0x21, 5,
    0x02, 0x40, 0x03, 0x40,
    0x20, 0, 0x20, 5, 0x4f /* ge_u */, 0x0d, 1,
    0x20, 3, ...term(LOAD0), ...simd(228) /* f32x4.add */, 0x21, 3,
    0x20, 4, ...term(LOAD16), ...simd(228), 0x21, 4,
    0x20, 0, 0x41, 32, 0x6a, 0x21, 0,
    0x20, 1, 0x41, 32, 0x6a, 0x21, 1,
    0x0c, 0,
    0x0b, 0x0b,
    // tail of 4 floats
    0x20, 2, 0x41, 4, 0x71, 0x04, 0x40 /* if */,
    0x20, 3, ...term(LOAD0), ...simd(228), 0x21, 3,
    0x0b,
    0x20, 3, 0x20, 4, ...simd(228), 0x21, 3,
    0x20, 3, ...simd(31), 0, 0x20, 3, ...simd(31), 1, 0x92, 0x20, 3, ...simd(31), 2, 0x20, 3, ...simd(31), 3, 0x92, 0x92,
    0x0b,
  ]
  const locals = [3, 2, V128, 1, I32, 1, V128]
  const all = [...locals, ...body]
  return [...leb(all.length), ...all]
}

/**
 * `(q, list, count, n, out)`: calls kernel `fn` for each i32 row offset in the list and stores
 * the f32 results, so a node's neighbours are scored in one call from JavaScript and the CPU can
 * overlap the memory loads of consecutive rows. Locals: 5 end.
 */
function manyBody(fn: number): number[] {
  const body = [
    0x20, 1, 0x20, 2, 0x41, 2, 0x74 /* shl */, 0x6a /* add */, 0x21, 5,
    // first touch one float in every 64-byte line of every row (independent loads, so the memory
    // system fetches the rows in parallel), summed into local 9 and stored to out[0] so the loads
    // stay; the scoring loop below then mostly hits the cache. Locals: 6 p, 7 row, 8 off, 10 n * 4.
    0x20, 3, 0x41, 2, 0x74, 0x21, 10,
    0x20, 1, 0x21, 6,
    0x02, 0x40, 0x03, 0x40,
    0x20, 6, 0x20, 5, 0x4f /* ge_u */, 0x0d, 1,
    0x20, 6, 0x28, 2, 0 /* i32.load */, 0x21, 7,
    0x41, 0, 0x21, 8,
    0x02, 0x40, 0x03, 0x40,
    0x20, 8, 0x20, 10, 0x4f, 0x0d, 1,
    0x20, 9, 0x20, 7, 0x20, 8, 0x6a, 0x2a, 2, 0 /* f32.load */, 0x92 /* f32.add */, 0x21, 9,
    0x20, 8, 0x41, 0xc0, 0x00 /* i32.const 64 */, 0x6a, 0x21, 8,
    0x0c, 0,
    0x0b, 0x0b,
    0x20, 6, 0x41, 4, 0x6a, 0x21, 6,
    0x0c, 0,
    0x0b, 0x0b,
    0x20, 4, 0x20, 9, 0x38, 2, 0 /* f32.store */,
    0x02, 0x40, 0x03, 0x40,
    0x20, 1, 0x20, 5, 0x4f /* ge_u */, 0x0d, 1,
    0x20, 4,
    0x20, 0, 0x20, 1, 0x28, 2, 0 /* i32.load */, 0x20, 3, 0x10, fn /* call */,
    0x38, 2, 0 /* f32.store */,
    0x20, 1, 0x41, 4, 0x6a, 0x21, 1,
    0x20, 4, 0x41, 4, 0x6a, 0x21, 4,
    0x0c, 0,
    0x0b, 0x0b,
    0x0b,
  ]
  const all = [4, 1, I32, 3, I32, 1, F32, 1, I32, ...body]
  return [...leb(all.length), ...all]
}

let compiled: WebAssembly.Module | null | undefined

function simdModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled
  try {
    const bytes = new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
      ...section(1, [2, 0x60, 3, I32, I32, I32, 1, F32, 0x60, 5, I32, I32, I32, I32, I32, 0]),
      ...section(2, [1, ...str('env'), ...str('mem'), 2, 0, 1]),
      ...section(3, [4, 0, 0, 1, 1]),
      ...section(7, [4, ...str('dot'), 0, 0, ...str('l2'), 0, 1, ...str('dotMany'), 0, 2, ...str('l2Many'), 0, 3]),
      ...section(10, [4, ...kernelBody(false), ...kernelBody(true), ...manyBody(0), ...manyBody(1)]),
    ])
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null
  } catch {
    compiled = null
  }
  return compiled
}

/** True when the SIMD kernels can run here. */
export function simdAvailable(): boolean {
  return simdModule() !== null
}

const PAGE = 65536

/**
 * Row storage with `scratch` query slots in front of the rows, and (for the batched kernels) a
 * list of `batch` row offsets and `batch` results between the slots and the rows.
 */
export class VectorArena {
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
  readonly simd: SimdKernels | undefined
  private readonly memory: WebAssembly.Memory | undefined

  constructor(d: number, capacity: number, scratch: number, useSimd = true, batch = 0) {
    this.d = d
    this.listAt = scratch * d
    this.outAt = this.listAt + batch
    this.base = Math.ceil((scratch * d + 2 * batch) / 4) * 4
    this.capacity = Math.max(1, capacity)
    const mod = useSimd && d % 4 === 0 ? simdModule() : null
    const elems = this.base + this.capacity * d
    if (mod) {
      this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((elems * 4) / PAGE)) })
      const inst = new WebAssembly.Instance(mod, { env: { mem: this.memory } })
      this.simd = inst.exports as unknown as SimdKernels
      this.buf = new Float32Array(this.memory.buffer, 0, elems)
    } else {
      this.memory = undefined
      this.simd = undefined
      this.buf = new Float32Array(elems)
    }
    this.ints = new Int32Array(this.buf.buffer, 0, this.base)
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

  /** Grows (doubling) so that `rows` rows fit; keeps the contents. */
  ensure(rows: number): void {
    if (rows <= this.capacity) return
    let cap = this.capacity
    while (cap < rows) cap *= 2
    const elems = this.base + cap * this.d
    if (this.memory) {
      const need = Math.ceil((elems * 4) / PAGE) - this.memory.buffer.byteLength / PAGE
      if (need > 0) this.memory.grow(need)
      this.buf = new Float32Array(this.memory.buffer, 0, elems)
    } else {
      const b = new Float32Array(elems)
      b.set(this.buf)
      this.buf = b
    }
    this.ints = new Int32Array(this.buf.buffer, 0, this.base)
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
    return s ? s.l2(a << 2, b << 2, this.d) : l2sq(this.buf, a, this.buf, b, this.d)
  }
}
