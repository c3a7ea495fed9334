import { tf } from '@recforge/tf'

/**
 * `op(A) · op(B)` for row-major float32 matrices, where `op(A)` is `m × k` (A is stored `k × m`
 * when `transA`) and `op(B)` is `k × n` (B is stored `n × k` when `transB`); returns a new `m × n`
 * array.
 */
export type Product = (a: Float32Array, b: Float32Array, m: number, k: number, n: number, transA: boolean, transB: boolean) => Float32Array

/** Products with fewer multiply-adds than this stay in TypeScript (a TensorFlow.js call costs more than the arithmetic). */
export const TF_PRODUCT_MIN_WORK = 1 << 18

/** `A` stored `rows × cols`, transposed into a new `cols × rows` array. */
function transposed(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols)
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!
  return out
}

/** {@link Product} in TypeScript: operands brought to `m × k` and `k × n` first, then rows of B accumulated in memory order. */
export function jsProduct(a: Float32Array, b: Float32Array, m: number, k: number, n: number, transA: boolean, transB: boolean): Float32Array {
  const A = transA ? transposed(a, k, m) : a
  const Bm = transB ? transposed(b, n, k) : b
  const out = new Float32Array(m * n)
  for (let i = 0; i < m; i++) {
    const o = i * n
    for (let p = 0; p < k; p++) {
      const x = A[i * k + p]!
      if (x === 0) continue
      const row = p * n
      for (let j = 0; j < n; j++) out[o + j]! += x * Bm[row + j]!
    }
  }
  return out
}

/**
 * {@link Product} on the active TensorFlow.js backend (XNNPACK on wasm) for large products,
 * {@link jsProduct} below {@link TF_PRODUCT_MIN_WORK}. Transposes are separate kernels: the wasm
 * backend runs a matMul with a transpose flag outside XNNPACK, several times slower.
 */
export function tfProduct(a: Float32Array, b: Float32Array, m: number, k: number, n: number, transA: boolean, transB: boolean): Float32Array {
  if (m * k * n < TF_PRODUCT_MIN_WORK) return jsProduct(a, b, m, k, n, transA, transB)
  const ta = tf.tensor2d(a, transA ? [k, m] : [m, k])
  const tb = tf.tensor2d(b, transB ? [n, k] : [k, n])
  const ua = transA ? tf.transpose(ta) : ta
  const ub = transB ? tf.transpose(tb) : tb
  const c = tf.matMul(ua, ub)
  const out = c.dataSync() as Float32Array
  // disposed by hand rather than in tf.tidy, which would walk the returned array
  tf.dispose([ta, tb, ua, ub, c])
  return out
}
