/*
 * Dense symmetric positive definite inversion by a blocked symmetric sweep: the block loop that
 * packs each pivot panel, inverts the pivot block and hands the rank-b update of the rows to the
 * kernel (spdKernels.ts), split over the threads of a pool.
 */
import { RecForgeError, throwIfAborted } from '@recforge/core'
import { allocate, splitTriangle } from '@recforge/compute'
import type { BaselinesPool } from './parallel'
import { sweepRowsKernel, type SweepRowsArgs } from './spdKernels'
import type { SweepWorkspace } from './spdWorkspace'

/** Options of {@link sweepInverse}. */
export interface SweepOptions {
  /** A started pool to share the row updates with (the calling thread takes a share too). */
  pool?: BaselinesPool
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
 * Afterwards the lower triangle holds `-A^-1`. With a pool, each block's rank-b update is split by
 * rows over its threads (the calling thread included).
 *
 * @throws RecForgeError INVALID_ARGUMENT when the matrix is not positive definite.
 */
export async function sweepInverse(ws: SweepWorkspace, opts: SweepOptions = {}): Promise<void> {
  const { A, n, C, W, Cp, Cx, Sp, memory, module } = ws
  const bMax = ws.block
  const pool = opts.pool
  const threads = pool ? pool.threads : 1
  const S = allocate(Float64Array, bMax * bMax, threads > 1)
  const split = splitTriangle(n, threads)
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
    const tasks: SweepRowsArgs[] = []
    for (let p = 0; p < threads; p++) tasks.push({ A, n, C, W, S, b, k0, start: split[p]!, end: split[p + 1]!, Cp, module, memory, Cx, Sp })
    if (pool) await pool.run('sweep', tasks)
    else sweepRowsKernel(tasks[0]!)
    // the pivot block becomes -S (lower triangle)
    for (let r = 0; r < b; r++) for (let t = 0; t <= r; t++) A[(k0 + r) * n + k0 + t] = -S[r * b + t]!
    opts.onBlock?.(k1)
  }
}
