/*
 * The kernels of the Woodbury path of EASE (fewer users than items): `Z = S X` from the inverted
 * user Gram matrix, then the lower triangle of `-P` from `Z`.
 */
import { instantiateWasm } from '@recforge/compute'
import type { DenseArray } from './spdKernels'

/** The WebAssembly arguments of the Woodbury kernels: the module, the memory of a {@link WoodburyWorkspace} and this thread's 16 float64 of scratch in it. */
export interface WoodburySimd {
  module?: WebAssembly.Module
  memory?: WebAssembly.Memory
  out?: Float64Array
}

/** `gacc16` (float64 panels) or `gacc16f32` of sweep.wat when the task has the WebAssembly arguments: 16 running sums of a sparse row against 16 contiguous dense columns, written to `out`. */
function gacc16(a: WoodburySimd, es: number): ((idx: number, val: number, cnt: number, base: number, stride: number, out: number) => void) | undefined {
  if (!a.module || !a.memory || !a.out) return undefined
  const ex = instantiateWasm(a.module, a.memory)
  return (es === 4 ? ex.gacc16f32 : ex.gacc16) as ReturnType<typeof gacc16>
}

/** Rows (or columns) a kernel handles at a time: the 16 running sums of `gacc16`. */
const PANEL = 16

/** A kernel's panel work: the SIMD kernel when the task has it (for `M`'s element size), and the TypeScript sums' scratch. */
function panelWork(a: WoodburySimd, M: DenseArray) {
  const es = M.BYTES_PER_ELEMENT
  return { es, gacc: gacc16(a, es), acc: new Float64Array(PANEL) }
}

/**
 * What `gacc16` computes, in TypeScript: `acc[r] = Σ_p iValues[p] · M[iIndices[p] · stride + c0 + r]`
 * over `p0 ≤ p < p1`, for the first `w` of `acc`, each an ordered float64 sum from zero.
 */
function panelSums(iIndices: Int32Array, iValues: Float32Array, p0: number, p1: number, M: DenseArray, stride: number, c0: number, w: number, acc: Float64Array): void {
  acc.fill(0)
  for (let p = p0; p < p1; p++) {
    const x = iValues[p]!
    const o = iIndices[p]! * stride + c0
    for (let r = 0; r < w; r++) acc[r]! += x * M[o + r]!
  }
}

/** Arguments of {@link crossRowsKernel}. */
export interface CrossRowsArgs extends WoodburySimd {
  /** Item-major CSR: rows are items, indices users. */
  iIndptr: Int32Array
  iIndices: Int32Array
  iValues: Float32Array
  /** Symmetric n x n, full storage. */
  S: DenseArray
  n: number
  /** `S X`, n x m row-major; rows `start..end` are written. */
  Z: DenseArray
  m: number
  start: number
  end: number
}

/**
 * Rows `start..end` of `Z = S X` (n x m, row-major) from the item-major CSR (rows are items,
 * indices users) and the symmetric n x n matrix `S` in full storage: `Z[u][i] = sum over the users
 * v of item i of x_vi S[v][u]`. Rows go 16 at a time, so the n x 16 panel of `S` they read stays in
 * cache while every item is swept. With `module`, `memory` and `out` (16 float64 of scratch), and
 * `iIndices`, `iValues`, `S` inside that memory, full panels run the `gacc16` SIMD kernel; the
 * arithmetic of every entry is the same either way (an ordered float64 sum from zero).
 */
export function crossRowsKernel(a: CrossRowsArgs): void {
  const { iIndptr, iIndices, iValues, S, n, Z, m, start: u0, end: u1, out } = a
  const { es, gacc, acc } = panelWork(a, S)
  for (let c0 = u0; c0 < u1; c0 += PANEL) {
    const w = Math.min(PANEL, u1 - c0)
    for (let i = 0; i < m; i++) {
      const p0 = iIndptr[i]!
      const p1 = iIndptr[i + 1]!
      if (gacc && w === PANEL) {
        gacc(iIndices.byteOffset + p0 * 4, iValues.byteOffset + p0 * 4, p1 - p0, S.byteOffset + c0 * es, n * es, out!.byteOffset)
        for (let r = 0; r < PANEL; r++) Z[(c0 + r) * m + i] = out![r]!
        continue
      }
      panelSums(iIndices, iValues, p0, p1, S, n, c0, w, acc)
      for (let r = 0; r < w; r++) Z[(c0 + r) * m + i] = acc[r]!
    }
  }
}

/** Arguments of {@link woodburyRowsKernel}. */
export interface WoodburyRowsArgs extends WoodburySimd {
  /** Item-major CSR: rows are items, indices users. */
  iIndptr: Int32Array
  iIndices: Int32Array
  iValues: Float32Array
  /** `S X`, n x m row-major. */
  Z: DenseArray
  m: number
  /** `-P`, the lower triangle of an m x m row-major matrix; rows `start..end` are written. */
  A: DenseArray
  start: number
  end: number
  lambda: number
}

/**
 * Rows `start..end` of the lower triangle of `-P` through the Woodbury identity,
 * `P = (X^T X + lambda I)^-1 = (I + X^T S X) / lambda` with `S = -(X X^T + lambda I)^-1`, from
 * `Z = S X` (n x m, row-major): `A[j][i] = -(sum over users u of item i of x_ui Z[u][j] + delta_ij) / lambda`.
 * Rows go 16 at a time, so each pass over the CSR serves 16 rows and reads 16 contiguous entries
 * of `Z` per interaction; with the WebAssembly arguments (as in {@link crossRowsKernel}, `Z` in the
 * memory) full blocks run `gacc16`.
 */
export function woodburyRowsKernel(a: WoodburyRowsArgs): void {
  const { iIndptr, iIndices, iValues, Z, m, A, start: j0, end: j1, lambda, out } = a
  const { es, gacc, acc } = panelWork(a, Z)
  for (let b0 = j0; b0 < j1; b0 += PANEL) {
    const w = Math.min(PANEL, j1 - b0)
    const last = b0 + w - 1
    const res = gacc && w === PANEL ? out! : acc
    for (let i = 0; i <= last; i++) {
      const p0 = iIndptr[i]!
      const p1 = iIndptr[i + 1]!
      if (res === out) {
        gacc!(iIndices.byteOffset + p0 * 4, iValues.byteOffset + p0 * 4, p1 - p0, Z.byteOffset + b0 * es, m * es, out.byteOffset)
      } else panelSums(iIndices, iValues, p0, p1, Z, m, b0, w, acc)
      // entries (b0 + r, i) of the lower triangle: i <= b0 + r
      for (let r = i > b0 ? i - b0 : 0; r < w; r++) A[(b0 + r) * m + i] = -(res[r]! + (b0 + r === i ? 1 : 0)) / lambda
    }
  }
}
