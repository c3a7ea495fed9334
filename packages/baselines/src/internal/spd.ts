/*
 * Dense symmetric positive definite inversion by a blocked symmetric sweep (Gauss-Jordan
 * elimination without pivoting, which is stable for SPD matrices), and the sparse Gram matrix.
 *
 * Every function that a worker may run is self-contained: it uses only its arguments and
 * JavaScript globals, because its source text is what the worker evaluates. The matrix lives in
 * the lower triangle (j <= i) of a row-major n x n array, which may sit on a SharedArrayBuffer.
 */

import { RecForgeError, throwIfAborted } from '@recforge/core'
import { KernelPool } from './pool'
import { SWEEP_WASM_BASE64 } from './sweepWasm'

/** Float64Array or Float32Array: the working precision of the dense solver. */
export type DenseArray = Float64Array | Float32Array

/**
 * Lower triangle of `X^T X + lambda I` for rows `i0..i1` of the item-major CSR.
 * `uIndices` must be sorted within each user row so the inner loop can stop at the diagonal.
 */
export function gramRowsKernel(
  uIndptr: Int32Array,
  uIndices: Int32Array,
  uValues: Float32Array,
  iIndptr: Int32Array,
  iIndices: Int32Array,
  iValues: Float32Array,
  n: number,
  A: Float64Array | Float32Array,
  i0: number,
  i1: number,
  lambda: number,
): void {
  const row = new Float64Array(n)
  for (let i = i0; i < i1; i++) {
    row.fill(0, 0, i + 1)
    for (let p = iIndptr[i]!; p < iIndptr[i + 1]!; p++) {
      const u = iIndices[p]!
      const xi = iValues[p]!
      const end = uIndptr[u + 1]!
      for (let q = uIndptr[u]!; q < end; q++) {
        const j = uIndices[q]!
        if (j > i) break
        row[j]! += xi * uValues[q]!
      }
    }
    row[i]! += lambda
    const o = i * n
    for (let j = 0; j <= i; j++) A[o + j] = row[j]!
  }
}

/**
 * One block step of the symmetric sweep for rows `r0..r1`: computes `W = C S` for those rows,
 * subtracts `W C^T` from the lower triangle outside the pivot block `[k0, k0 + b)`, and stores
 * `W` into the pivot columns. `C` holds the pivot columns before the step (n x b, row-major) and
 * `S` the inverse of the pivot block (b x b).
 */
export function sweepRowsKernel(
  A: Float64Array | Float32Array,
  n: number,
  C: Float64Array,
  W: Float64Array | Float32Array,
  S: Float64Array,
  b: number,
  k0: number,
  r0: number,
  r1: number,
  Cp?: Float64Array | Float32Array,
  wasmModule?: WebAssembly.Module,
  memory?: WebAssembly.Memory,
  Cx?: Float64Array | Float32Array,
  Sp?: Float64Array | Float32Array,
): void {
  const k1 = k0 + b
  // the WebAssembly micro-kernel, when A, W and the packed panel Cp live in its memory
  // (A, W and Cp share one element type: float64 runs `strip`, float32 `strip32`)
  const es = A.BYTES_PER_ELEMENT
  let strip: ((w: number, c: number, a: number, nblk: number, n8: number, b: number) => void) | undefined
  if (Cp && wasmModule && memory && b % 4 === 0) {
    const inst = new WebAssembly.Instance(wasmModule, { env: { memory } })
    strip = (es === 4 ? inst.exports.strip32 : inst.exports.strip) as typeof strip
  }
  // with the float32 kernel, the scalar edges add in float32 too (Math.fround is exact IEEE single
  // arithmetic here), so every entry is the same ordered float32 sum whichever rows a thread owns
  const f32 = strip !== undefined && es === 4
  const aByte = A.byteOffset
  const wByte = W.byteOffset
  const cpByte = Cp ? Cp.byteOffset : 0
  // W rows of this range: W[i][t] = sum over q (in order) of C[i][q] S[q][t]. With the kernel, four
  // rows at a time: it subtracts C S from zeroed rows (S packed transposed, like Cp), then the rows
  // are negated; the last rows use the same arithmetic here.
  let wr = r0
  if (strip && Cx && Sp) {
    const cxByte = Cx.byteOffset
    const spByte = Sp.byteOffset
    for (; wr + 4 <= r1; wr += 4) {
      const w0 = wr * b
      const w1 = w0 + 4 * b
      W.fill(0, w0, w1)
      strip(cxByte + w0 * es, spByte, wByte + w0 * es, b >> 2, b * es, b)
      for (let k = w0; k < w1; k++) W[k] = -W[k]!
    }
    for (; wr < r1; wr++) {
      const ci = wr * b
      for (let t = 0; t < b; t++) {
        const st = (t >> 2) * b * 4 + (t & 3)
        let s = 0
        if (f32) for (let q = 0; q < b; q++) s = Math.fround(s + Math.fround(Cx[ci + q]! * Sp[st + q * 4]!))
        else for (let q = 0; q < b; q++) s += Cx[ci + q]! * Sp[st + q * 4]!
        W[ci + t] = -(0 - s)
      }
    }
  }
  const acc = new Float64Array(b)
  for (let i = wr; i < r1; i++) {
    const ci = i * b
    acc.fill(0)
    for (let q = 0; q < b; q++) {
      const c = C[ci + q]!
      const sq = q * b
      for (let t = 0; t < b; t++) acc[t]! += c * S[sq + t]!
    }
    for (let t = 0; t < b; t++) W[ci + t] = acc[t]!
  }
  // With the WebAssembly kernel, its share of every full four-row strip (columns [0, i & ~3)) runs
  // first, one panel of columns at a time across all the strips, so that panel of Cp stays in
  // cache; the loop below then does only the scalar edges of those strips. Every entry still gets
  // the same ordered sum, so the order of this loop does not change a bit of the result.
  if (strip) {
    // 256 columns of Cp: 192 KiB in float64, 96 KiB in float32 (a share of a core's L2)
    const PANEL_COLUMNS = 256
    for (let jp = 0; jp < r1; jp += PANEL_COLUMNS) {
      let s = r0
      while (s < r1) {
        if (s >= k0 && s < k1) {
          s = k1
          continue
        }
        if (s + 4 <= r1 && (s + 4 <= k0 || s >= k1)) {
          const hi = Math.min(s & ~3, jp + PANEL_COLUMNS)
          if (hi > jp) strip(wByte + s * b * es, cpByte + jp * b * es, aByte + (s * n + jp) * es, (hi - jp) >> 2, n * es, b)
          s += 4
        } else s++
      }
    }
  }
  // rank-b update of the lower triangle, skipping the pivot rows and columns
  let i = r0
  while (i < r1) {
    if (i >= k0 && i < k1) {
      i = k1
      continue
    }
    const full = i + 4 <= r1 && (i + 4 <= k0 || i >= k1)
    if (full) {
      const w0 = i * b
      const w1 = w0 + b
      const w2 = w1 + b
      const w3 = w2 + b
      const a0 = i * n
      const a1 = a0 + n
      const a2 = a1 + n
      const a3 = a2 + n
      // columns [0, i & ~3) of this strip were done by the WebAssembly kernel above
      let j = strip ? i & ~3 : 0
      // 4 x 4 blocks strictly below the diagonal of these four rows
      while (j + 4 <= i) {
        if (j + 4 > k0 && j < k1) {
          // the block meets the pivot columns: its columns before them one by one, then skip them
          for (let jj = j; jj < k0; jj++) {
            const cj = jj * b
            for (let r = 0; r < 4; r++) {
              const wi = (i + r) * b
              let s = 0
              if (f32) for (let t = 0; t < b; t++) s = Math.fround(s + Math.fround(W[wi + t]! * C[cj + t]!))
              else for (let t = 0; t < b; t++) s += W[wi + t]! * C[cj + t]!
              A[(i + r) * n + jj]! -= s
            }
          }
          j = k1
          continue
        }
        const c0 = j * b
        const c1 = c0 + b
        const c2 = c1 + b
        const c3 = c2 + b
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0
        let s10 = 0, s11 = 0, s12 = 0, s13 = 0
        let s20 = 0, s21 = 0, s22 = 0, s23 = 0
        let s30 = 0, s31 = 0, s32 = 0, s33 = 0
        for (let t = 0; t < b; t++) {
          const x0 = W[w0 + t]!
          const x1 = W[w1 + t]!
          const x2 = W[w2 + t]!
          const x3 = W[w3 + t]!
          const y0 = C[c0 + t]!
          const y1 = C[c1 + t]!
          const y2 = C[c2 + t]!
          const y3 = C[c3 + t]!
          s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3
          s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3
          s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3
          s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3
        }
        A[a0 + j]! -= s00; A[a0 + j + 1]! -= s01; A[a0 + j + 2]! -= s02; A[a0 + j + 3]! -= s03
        A[a1 + j]! -= s10; A[a1 + j + 1]! -= s11; A[a1 + j + 2]! -= s12; A[a1 + j + 3]! -= s13
        A[a2 + j]! -= s20; A[a2 + j + 1]! -= s21; A[a2 + j + 2]! -= s22; A[a2 + j + 3]! -= s23
        A[a3 + j]! -= s30; A[a3 + j + 1]! -= s31; A[a3 + j + 2]! -= s32; A[a3 + j + 3]! -= s33
        j += 4
      }
      // the rest of each row, one entry at a time
      for (let r = 0; r < 4; r++) {
        const ii = i + r
        const wi = ii * b
        const ai = ii * n
        for (let jj = j; jj <= ii; jj++) {
          if (jj >= k0 && jj < k1) continue
          const cj = jj * b
          let s = 0
          if (f32) for (let t = 0; t < b; t++) s = Math.fround(s + Math.fround(W[wi + t]! * C[cj + t]!))
          else for (let t = 0; t < b; t++) s += W[wi + t]! * C[cj + t]!
          A[ai + jj]! -= s
        }
      }
      i += 4
    } else {
      const wi = i * b
      const ai = i * n
      for (let jj = 0; jj <= i; jj++) {
        if (jj >= k0 && jj < k1) continue
        const cj = jj * b
        let s = 0
        if (f32) for (let t = 0; t < b; t++) s = Math.fround(s + Math.fround(W[wi + t]! * C[cj + t]!))
        else for (let t = 0; t < b; t++) s += W[wi + t]! * C[cj + t]!
        A[ai + jj]! -= s
      }
      i++
    }
  }
  // the pivot columns become W (row i, column k lives at [i][k] below the block, [k][i] above it)
  for (let ii = r0; ii < r1; ii++) {
    if (ii >= k0 && ii < k1) continue
    const wi = ii * b
    if (ii >= k1) {
      const ai = ii * n + k0
      for (let t = 0; t < b; t++) A[ai + t] = W[wi + t]!
    } else {
      for (let t = 0; t < b; t++) A[(k0 + t) * n + ii] = W[wi + t]!
    }
  }
}

/**
 * EASE weights for rows `r0..r1` from the swept matrix (which holds `-P` in its lower triangle):
 * `B[i][j] = -P[i][j] / P[j][j]`, `B[i][i] = 0`, written row-major as float32.
 */
export function easeRowsKernel(A: Float64Array | Float32Array, n: number, B: Float32Array, r0: number, r1: number): void {
  const diag = new Float64Array(n)
  for (let j = 0; j < n; j++) diag[j] = A[j * n + j]!
  // 64 x 64 tiles, so the upper-triangle reads (A[j][i], down a column) stay in cache
  const T = 64
  for (let i0 = r0; i0 < r1; i0 += T) {
    const i1 = Math.min(i0 + T, r1)
    for (let j0 = 0; j0 < n; j0 += T) {
      const j1 = Math.min(j0 + T, n)
      for (let i = i0; i < i1; i++) {
        const ai = i * n
        for (let j = j0; j < j1; j++) {
          const a = j <= i ? A[ai + j]! : A[j * n + i]!
          B[ai + j] = j === i ? 0 : -a / diag[j]!
        }
      }
    }
  }
}

/**
 * Rows `u0..u1` of `Z = S X` (n x m, row-major) from the item-major CSR (rows are items, indices
 * users) and the symmetric n x n matrix `S` in full storage: `Z[u][i] = sum over the users v of
 * item i of x_vi S[v][u]`. Rows go 16 at a time, so the n x 16 panel of `S` they read stays in
 * cache while every item is swept. With `wasmModule`, `memory` and `out` (16 float64 of scratch),
 * and `iIndices`, `iValues`, `S` inside that memory, full panels run the `gacc16` SIMD kernel; the
 * arithmetic of every entry is the same either way (an ordered float64 sum from zero).
 */
export function crossRowsKernel(
  iIndptr: Int32Array,
  iIndices: Int32Array,
  iValues: Float32Array,
  S: Float64Array | Float32Array,
  n: number,
  Z: Float64Array | Float32Array,
  m: number,
  u0: number,
  u1: number,
  wasmModule?: WebAssembly.Module,
  memory?: WebAssembly.Memory,
  out?: Float64Array,
): void {
  const P = 16
  const es = S.BYTES_PER_ELEMENT
  let gacc: ((idx: number, val: number, cnt: number, base: number, stride: number, out: number) => void) | undefined
  if (wasmModule && memory && out) {
    const inst = new WebAssembly.Instance(wasmModule, { env: { memory } })
    gacc = (es === 4 ? inst.exports.gacc16f32 : inst.exports.gacc16) as typeof gacc
  }
  const acc = new Float64Array(P)
  for (let c0 = u0; c0 < u1; c0 += P) {
    const w = Math.min(P, u1 - c0)
    for (let i = 0; i < m; i++) {
      const p0 = iIndptr[i]!
      const p1 = iIndptr[i + 1]!
      if (gacc && w === P) {
        gacc(iIndices.byteOffset + p0 * 4, iValues.byteOffset + p0 * 4, p1 - p0, S.byteOffset + c0 * es, n * es, out!.byteOffset)
        for (let r = 0; r < P; r++) Z[(c0 + r) * m + i] = out![r]!
        continue
      }
      acc.fill(0)
      for (let p = p0; p < p1; p++) {
        const x = iValues[p]!
        const o = iIndices[p]! * n + c0
        for (let r = 0; r < w; r++) acc[r]! += x * S[o + r]!
      }
      for (let r = 0; r < w; r++) Z[(c0 + r) * m + i] = acc[r]!
    }
  }
}

/**
 * Rows `j0..j1` of the lower triangle of `-P` through the Woodbury identity,
 * `P = (X^T X + lambda I)^-1 = (I + X^T S X) / lambda` with `S = -(X X^T + lambda I)^-1`, from
 * `Z = S X` (n x m, row-major): `A[j][i] = -(sum over users u of item i of x_ui Z[u][j] + delta_ij) / lambda`.
 * Rows go 16 at a time, so each pass over the CSR serves 16 rows and reads 16 contiguous entries
 * of `Z` per interaction; with the WebAssembly arguments (as in {@link crossRowsKernel}, `Z` in the
 * memory) full blocks run `gacc16`.
 */
export function woodburyRowsKernel(
  iIndptr: Int32Array,
  iIndices: Int32Array,
  iValues: Float32Array,
  Z: Float64Array | Float32Array,
  m: number,
  A: Float64Array | Float32Array,
  j0: number,
  j1: number,
  lambda: number,
  wasmModule?: WebAssembly.Module,
  memory?: WebAssembly.Memory,
  out?: Float64Array,
): void {
  const J = 16
  const es = Z.BYTES_PER_ELEMENT
  let gacc: ((idx: number, val: number, cnt: number, base: number, stride: number, out: number) => void) | undefined
  if (wasmModule && memory && out) {
    const inst = new WebAssembly.Instance(wasmModule, { env: { memory } })
    gacc = (es === 4 ? inst.exports.gacc16f32 : inst.exports.gacc16) as typeof gacc
  }
  const acc = new Float64Array(J)
  for (let b0 = j0; b0 < j1; b0 += J) {
    const w = Math.min(J, j1 - b0)
    const last = b0 + w - 1
    const res = gacc && w === J ? out! : acc
    for (let i = 0; i <= last; i++) {
      const p0 = iIndptr[i]!
      const p1 = iIndptr[i + 1]!
      if (res === out) {
        gacc!(iIndices.byteOffset + p0 * 4, iValues.byteOffset + p0 * 4, p1 - p0, Z.byteOffset + b0 * es, m * es, out.byteOffset)
      } else {
        acc.fill(0)
        for (let p = p0; p < p1; p++) {
          const x = iValues[p]!
          const o = iIndices[p]! * m + b0
          for (let r = 0; r < w; r++) acc[r]! += x * Z[o + r]!
        }
      }
      // entries (b0 + r, i) of the lower triangle: i <= b0 + r
      for (let r = i > b0 ? i - b0 : 0; r < w; r++) A[(b0 + r) * m + i] = -(res[r]! + (b0 + r === i ? 1 : 0)) / lambda
    }
  }
}

/** The arrays of the Woodbury path of EASE, optionally inside one shared WebAssembly memory. */
export interface WoodburyWorkspace {
  /** Users of each interaction in item-major order (copy the CSR's indices here). */
  readonly indices: Int32Array
  /** Values aligned with `indices`. */
  readonly values: Float32Array
  /** `-K^-1` in full storage, n x n. */
  readonly S: DenseArray
  /** `S X`, n x m. */
  readonly Z: DenseArray
  /** `-P`, lower triangle of an m x m row-major matrix. */
  readonly A: DenseArray
  /** 16 float64 of scratch per thread, for the WebAssembly kernels. */
  readonly out: Float64Array[]
  readonly memory?: WebAssembly.Memory
  readonly module?: WebAssembly.Module
}

/**
 * Allocates a {@link WoodburyWorkspace} for `n` users, `m` items and `nnz` interactions. With
 * WebAssembly SIMD and everything under 4 GiB, it all sits in one shared WebAssembly memory;
 * otherwise in plain (or, with `shared`, SharedArrayBuffer) typed arrays and the kernels run their
 * JavaScript loops.
 */
export function createWoodburyWorkspace(
  n: number,
  m: number,
  nnz: number,
  opts: { precision?: 'float64' | 'float32'; threads?: number; shared?: boolean; wasm?: boolean } = {},
): WoodburyWorkspace {
  const es = opts.precision === 'float32' ? 4 : 8
  const threads = Math.max(1, opts.threads ?? 1)
  const sizes = [nnz * 4, nnz * 4, threads * 16 * 8, n * n * es, n * m * es, m * m * es]
  const offsets: number[] = []
  let bytes = 0
  for (const size of sizes) {
    offsets.push(bytes)
    bytes += Math.ceil(size / 16) * 16
  }
  const module = opts.wasm !== false && bytes <= WASM_MAX_BYTES ? sweepWasmModule() : null
  const dense = (buf: ArrayBufferLike, offset: number, len: number): DenseArray => (es === 8 ? new Float64Array(buf, offset, len) : new Float32Array(buf, offset, len))
  if (module) {
    const pages = Math.max(1, Math.ceil(bytes / WASM_PAGE))
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true })
    const buf = memory.buffer
    return {
      indices: new Int32Array(buf, offsets[0], nnz),
      values: new Float32Array(buf, offsets[1], nnz),
      out: Array.from({ length: threads }, (_, t) => new Float64Array(buf, offsets[2]! + t * 128, 16)),
      S: dense(buf, offsets[3]!, n * n),
      Z: dense(buf, offsets[4]!, n * m),
      A: dense(buf, offsets[5]!, m * m),
      memory,
      module,
    }
  }
  const alloc = (size: number): ArrayBufferLike => (opts.shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size))
  return {
    indices: new Int32Array(alloc(nnz * 4)),
    values: new Float32Array(alloc(nnz * 4)),
    out: [],
    S: dense(alloc(n * n * es), 0, n * n),
    Z: dense(alloc(n * m * es), 0, n * m),
    A: dense(alloc(m * m * es), 0, m * m),
  }
}

/** Row boundaries that give each of `parts` ranges about the same share of a lower triangle's rows. */
export function triangleSplit(n: number, parts: number): Int32Array {
  const b = new Int32Array(parts + 1)
  for (let p = 0; p <= parts; p++) b[p] = Math.min(n, Math.round(n * Math.sqrt(p / parts)))
  b[parts] = n
  return b
}

/** The dense matrix and the panels the sweep works in, optionally inside one WebAssembly memory. */
export interface SweepWorkspace {
  readonly n: number
  readonly block: number
  /** The matrix, row-major n x n; fill its lower triangle before {@link sweepInverse}. */
  readonly A: DenseArray
  /** Pivot columns (n x block, row-major). */
  readonly C: Float64Array
  /** `C S` rows (n x block, row-major), in the precision of `A` when the WebAssembly kernel runs. */
  readonly W: Float64Array | Float32Array
  /** Pivot columns packed four rows at a time ([row / 4][t][row % 4]) for the WebAssembly kernel, in the precision of `A`. */
  readonly Cp?: Float64Array | Float32Array
  /** `C` in the precision of `A` for the WebAssembly kernel (the same array as `C` in float64). */
  readonly Cx?: Float64Array | Float32Array
  /** The transpose of the pivot block's inverse, packed like `Cp` (block x block), for the WebAssembly kernel. */
  readonly Sp?: Float64Array | Float32Array
  readonly memory?: WebAssembly.Memory
  readonly module?: WebAssembly.Module
}

let wasmModule: WebAssembly.Module | null | undefined

/** The compiled sweep kernel, or null where WebAssembly SIMD is not available. */
export function sweepWasmModule(): WebAssembly.Module | null {
  if (wasmModule === undefined) {
    try {
      const bytes = Uint8Array.from(atob(SWEEP_WASM_BASE64), (ch) => ch.charCodeAt(0))
      wasmModule = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null
    } catch {
      wasmModule = null
    }
  }
  return wasmModule
}

const WASM_PAGE = 65_536
const WASM_MAX_BYTES = 4 * 1024 ** 3 - WASM_PAGE

/**
 * Allocates a {@link SweepWorkspace}. With `wasm` (block a multiple of 4, all of it under 4 GiB),
 * everything sits in one shared WebAssembly memory so the SIMD kernel can run on it (f64x2 for
 * float64, f32x4 for float32, where `A`, `W` and `Cp` are float32 and `C` stays float64);
 * otherwise in plain or shared typed arrays.
 */
export function createSweepWorkspace(n: number, opts: { block?: number; precision?: 'float64' | 'float32'; shared?: boolean; wasm?: boolean } = {}): SweepWorkspace {
  const block = Math.max(1, Math.min(opts.block ?? 96, n))
  const precision = opts.precision ?? 'float64'
  const panel = n * block
  const packed = Math.ceil(n / 4) * 4 * block
  const es = precision === 'float64' ? 8 : 4
  const bytes = (n * n + panel + packed + (es === 4 ? panel : 0) + block * block) * es + panel * 8
  const module = opts.wasm !== false && block % 4 === 0 && bytes <= WASM_MAX_BYTES ? sweepWasmModule() : null
  if (module) {
    const pages = Math.ceil(bytes / WASM_PAGE)
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true })
    const buf = memory.buffer
    // C first keeps every float64 array 8-byte aligned whatever n is
    const C = new Float64Array(buf, 0, panel)
    let o = panel * 8
    const take = (len: number): Float64Array | Float32Array => {
      const a = es === 8 ? new Float64Array(buf, o, len) : new Float32Array(buf, o, len)
      o += len * es
      return a
    }
    const A = take(n * n)
    const W = take(panel)
    const Cp = take(packed)
    const Cx = es === 8 ? C : take(panel)
    const Sp = take(block * block)
    return { n, block, A, C, W, Cp, Cx, Sp, memory, module }
  }
  const alloc = <T extends Float64Array | Float32Array>(C: new (b: ArrayBufferLike) => T, len: number, size: number): T =>
    new C(opts.shared ? new SharedArrayBuffer(len * size) : new ArrayBuffer(len * size))
  const A = precision === 'float64' ? alloc(Float64Array, n * n, 8) : alloc(Float32Array, n * n, 4)
  return { n, block, A, C: alloc(Float64Array, panel, 8), W: alloc(Float64Array, panel, 8) }
}

/** Options of {@link sweepInverse}. */
export interface SweepOptions {
  /** A started pool to share the row updates with (the calling thread takes a share too). */
  pool?: KernelPool
  /** Called after each block with the number of pivots done. */
  onBlock?: (done: number) => void
  /** Checked between blocks. */
  signal?: AbortSignal
}

/** Inverts the small dense SPD block `M` (b x b, full storage) in place by Gauss-Jordan; returns false when a pivot is not positive. */
function invertSmallSpd(M: Float64Array, b: number): boolean {
  for (let k = 0; k < b; k++) {
    const kb = k * b
    const d = M[kb + k]!
    if (!(d > 0)) return false
    const p = 1 / d
    M[kb + k] = 1
    for (let j = 0; j < b; j++) M[kb + j]! *= p
    for (let i = 0; i < b; i++) {
      if (i === k) continue
      const ib = i * b
      const f = M[ib + k]!
      if (f === 0) continue
      M[ib + k] = 0
      for (let j = 0; j < b; j++) M[ib + j]! -= f * M[kb + j]!
    }
  }
  return true
}

/**
 * Sweeps every pivot of the SPD matrix whose lower triangle is in `ws.A` (row-major n x n).
 * Afterwards the lower triangle holds `-A^-1`. With a pool, each block's rank-b update is split by rows over
 * the workers and the calling thread.
 *
 * @throws RecForgeError INVALID_ARGUMENT when the matrix is not positive definite.
 */
export async function sweepInverse(ws: SweepWorkspace, opts: SweepOptions = {}): Promise<void> {
  const { A, n, C, W, Cp, Cx, Sp, memory, module } = ws
  const bMax = ws.block
  const shared = opts.pool !== undefined && opts.pool.size > 0
  const S = new Float64Array(shared ? new SharedArrayBuffer(bMax * bMax * 8) : new ArrayBuffer(bMax * bMax * 8))
  const parts = shared ? opts.pool!.size + 1 : 1
  const split = triangleSplit(n, parts)
  for (let k0 = 0; k0 < n; k0 += bMax) {
    throwIfAborted(opts.signal, 'EASE fit')
    const b = Math.min(bMax, n - k0)
    const k1 = k0 + b
    // pack the pivot columns (lower-triangle reads)
    for (let i = 0; i < n; i++) {
      const ci = i * b
      if (i >= k1) {
        const ai = i * n + k0
        for (let t = 0; t < b; t++) C[ci + t] = A[ai + t]!
      } else if (i < k0) {
        for (let t = 0; t < b; t++) C[ci + t] = A[(k0 + t) * n + i]!
      } else {
        for (let t = 0; t < b; t++) {
          const k = k0 + t
          C[ci + t] = k <= i ? A[i * n + k]! : A[k * n + i]!
        }
      }
    }
    if (Cp) {
      for (let i = 0; i < n; i++) {
        const ci = i * b
        const pi = (i >> 2) * b * 4 + (i & 3)
        for (let t = 0; t < b; t++) Cp[pi + t * 4] = C[ci + t]!
      }
    }
    // S = inverse of the pivot block
    for (let r = 0; r < b; r++) for (let t = 0; t < b; t++) S[r * b + t] = C[(k0 + r) * b + t]!
    if (!invertSmallSpd(S, b)) {
      throw new RecForgeError('INVALID_ARGUMENT', `the Gram matrix is not positive definite near item ${k0} (a pivot is <= 0); use a larger lambda`)
    }
    if (Cx && Sp && b % 4 === 0) {
      if (Cx !== C) for (let k = 0; k < n * b; k++) Cx[k] = C[k]!
      // packed transpose: entry (c, t) at [c / 4][t][c % 4] holds S[t][c]
      for (let c = 0; c < b; c++) {
        const pc = (c >> 2) * b * 4 + (c & 3)
        for (let t = 0; t < b; t++) Sp[pc + t * 4] = S[t * b + c]!
      }
    }
    if (shared) {
      const jobs: Promise<unknown>[] = []
      for (let p = 1; p < parts; p++) {
        if (split[p]! < split[p + 1]!) jobs.push(opts.pool!.run(p - 1, 'sweep', [A, n, C, W, S, b, k0, split[p]!, split[p + 1]!, Cp, module, memory, Cx, Sp]))
      }
      sweepRowsKernel(A, n, C, W, S, b, k0, split[0]!, split[1]!, Cp, module, memory, Cx, Sp)
      await Promise.all(jobs)
    } else {
      sweepRowsKernel(A, n, C, W, S, b, k0, 0, n, Cp, module, memory, Cx, Sp)
    }
    // the pivot block becomes -S (lower triangle)
    for (let r = 0; r < b; r++) for (let t = 0; t <= r; t++) A[(k0 + r) * n + k0 + t] = -S[r * b + t]!
    opts.onBlock?.(k1)
  }
}
