/*
 * The kernels of the dense SPD path of EASE, run by the calling thread and the worker threads
 * alike: the sparse Gram matrix, one block step of the blocked symmetric sweep (Gauss-Jordan
 * elimination without pivoting, which is stable for SPD matrices) and the weights from the swept
 * matrix. The matrix lives in the lower triangle (j <= i) of a row-major n x n array, which may
 * sit on shared memory.
 */
import { instantiateWasm } from '@recforge/compute'
import type { CsrPairArgs } from './util'

/** Float64Array or Float32Array: the working precision of the dense solver. */
export type DenseArray = Float64Array | Float32Array

/** Arguments of {@link gramRowsKernel}: the CSR (user rows' indices sorted), and rows `start..end` to write. */
export interface GramRowsArgs extends CsrPairArgs {
  /** Order of the matrix (items). */
  n: number
  /** The matrix, row-major n x n; rows `start..end` of its lower triangle are written. */
  A: DenseArray
  start: number
  end: number
  lambda: number
}

/**
 * Lower triangle of `X^T X + lambda I` for rows `start..end` of the item-major CSR.
 * `uIndices` must be sorted within each user row so the inner loop can stop at the diagonal.
 */
export function gramRowsKernel(a: GramRowsArgs): void {
  const { uIndptr, uIndices, uValues, iIndptr, iIndices, iValues, n, A, start: i0, end: i1, lambda } = a
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

/** Arguments of {@link sweepRowsKernel}: one block step, rows `start..end`, and the panels of a {@link SweepWorkspace}. */
export interface SweepRowsArgs {
  A: DenseArray
  n: number
  /** The pivot columns before the step (n x b, row-major). */
  C: Float64Array
  W: DenseArray
  /** The inverse of the pivot block (b x b). */
  S: Float64Array
  b: number
  k0: number
  start: number
  end: number
  /** With `module` and `memory`, the panels of the WebAssembly kernel (see {@link SweepWorkspace}). */
  Cp?: DenseArray
  module?: WebAssembly.Module
  memory?: WebAssembly.Memory
  Cx?: DenseArray
  Sp?: DenseArray
}

/**
 * One block step of the symmetric sweep for rows `start..end`: computes `W = C S` for those rows,
 * subtracts `W C^T` from the lower triangle outside the pivot block `[k0, k0 + b)`, and stores
 * `W` into the pivot columns.
 */
export function sweepRowsKernel(a: SweepRowsArgs): void {
  const { A, n, C, W, S, b, k0, start: r0, end: r1, Cp, module: wasmModule, memory, Cx, Sp } = a
  const k1 = k0 + b
  // the WebAssembly micro-kernel, when A, W and the packed panel Cp live in its memory
  // (A, W and Cp share one element type: float64 runs `strip`, float32 `strip32`)
  const es = A.BYTES_PER_ELEMENT
  let strip: ((w: number, c: number, a: number, nblk: number, n8: number, b: number) => void) | undefined
  if (Cp && wasmModule && memory && b % 4 === 0) {
    const ex = instantiateWasm(wasmModule, memory)
    strip = (es === 4 ? ex.strip32 : ex.strip) as typeof strip
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
            for (let r = 0; r < 4; r++) A[(i + r) * n + jj]! -= panelDot(W, (i + r) * b, C, cj, b, f32)
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
          A[ai + jj]! -= panelDot(W, wi, C, jj * b, b, f32)
        }
      }
      i += 4
    } else {
      const wi = i * b
      const ai = i * n
      for (let jj = 0; jj <= i; jj++) {
        if (jj >= k0 && jj < k1) continue
        A[ai + jj]! -= panelDot(W, wi, C, jj * b, b, f32)
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
 * `W[wi..wi+b) · C[cj..cj+b)`, an ordered sum from zero: in float32 arithmetic with `f32`
 * (`Math.fround` is exact IEEE single arithmetic, as the f32x4 kernel adds), else in float64.
 */
function panelDot(W: DenseArray, wi: number, C: Float64Array, cj: number, b: number, f32: boolean): number {
  let s = 0
  if (f32) for (let t = 0; t < b; t++) s = Math.fround(s + Math.fround(W[wi + t]! * C[cj + t]!))
  else for (let t = 0; t < b; t++) s += W[wi + t]! * C[cj + t]!
  return s
}

/** Arguments of {@link easeRowsKernel}. */
export interface EaseRowsArgs {
  /** The swept matrix (n x n, `-P` in its lower triangle). */
  A: DenseArray
  n: number
  /** The weights, row-major n x n float32; rows `start..end` are written. */
  B: Float32Array
  start: number
  end: number
}

/**
 * EASE weights for rows `start..end` from the swept matrix (which holds `-P` in its lower triangle):
 * `B[i][j] = -P[i][j] / P[j][j]`, `B[i][i] = 0`, written row-major as float32.
 */
export function easeRowsKernel(a: EaseRowsArgs): void {
  const { A, n, B, start: r0, end: r1 } = a
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
