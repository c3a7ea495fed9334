import { RecForgeError } from '@recforge/core'

/**
 * A dense matrix product `C = op(A) · op(B)` on row-major float32 matrices: `op(A)` is m × k
 * (A is stored k × m when `transA`), `op(B)` is k × n (B is stored n × k when `transB`).
 * Returns a new m × n array.
 */
export type Gemm = (a: Float32Array, b: Float32Array, m: number, k: number, n: number, transA: boolean, transB: boolean) => Float32Array

/** Products of at least this many multiply-adds go to TensorFlow.js; smaller ones stay in TypeScript. */
export const TF_GEMM_MIN_WORK = 1 << 22

/** {@link Gemm} in plain TypeScript, with loop orders that read both operands in memory order. */
export const jsGemm: Gemm = (a, b, m, k, n, transA, transB) => {
  const c = new Float32Array(m * n)
  if (transB) {
    // C[i, j] = Σ_p op(A)[i, p] B[j, p]: dot products of rows
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0
        const bo = j * k
        if (transA) for (let p = 0; p < k; p++) s += a[p * m + i]! * b[bo + p]!
        else for (let p = 0, ao = i * k; p < k; p++) s += a[ao + p]! * b[bo + p]!
        c[i * n + j] = s
      }
    }
    return c
  }
  for (let i = 0; i < m; i++) {
    const co = i * n
    for (let p = 0; p < k; p++) {
      const x = transA ? a[p * m + i]! : a[i * k + p]!
      if (x === 0) continue
      const bo = p * n
      for (let j = 0; j < n; j++) c[co + j]! += x * b[bo + j]!
    }
  }
  return c
}

/** The part of tfjs-core a {@link Gemm} needs. */
interface TfMatMul {
  tensor2d(values: Float32Array, shape: [number, number]): unknown
  matMul(a: unknown, b: unknown, transposeA: boolean, transposeB: boolean): { dataSync(): Float32Array | Int32Array | Uint8Array }
  transpose(a: unknown): unknown
  dispose(tensors: unknown[]): void
}

/** A {@link Gemm} that sends products of at least {@link TF_GEMM_MIN_WORK} multiply-adds to TensorFlow.js (XNNPACK on wasm). */
export function tfGemm(tf: TfMatMul): Gemm {
  return (a, b, m, k, n, transA, transB) => {
    if (m * k * n < TF_GEMM_MIN_WORK) return jsGemm(a, b, m, k, n, transA, transB)
    // transposes go through tf.transpose: tfjs-wasm's matMul with a transpose flag leaves XNNPACK
    // for a loop about eight times slower
    const ta = tf.tensor2d(a.subarray(0, m * k), transA ? [k, m] : [m, k])
    const tb = tf.tensor2d(b.subarray(0, k * n), transB ? [n, k] : [k, n])
    const ua = transA ? tf.transpose(ta) : ta
    const ub = transB ? tf.transpose(tb) : tb
    const tc = tf.matMul(ua, ub, false, false)
    // disposed by hand: tf.tidy would walk the returned typed array element by element
    const out = tc.dataSync() as Float32Array
    tf.dispose([ta, tb, ua, ub, tc])
    return out
  }
}

/**
 * The product to use for a network whose largest product has `maxWork` multiply-adds: plain
 * TypeScript for small networks, else TensorFlow.js through `@recforge/tf` (loaded only then).
 *
 * @throws RecForgeError MISSING_DEPENDENCY when a large network needs TensorFlow.js and it is not installed.
 */
export async function gemmFor(maxWork: number): Promise<{ gemm: Gemm; backend: string }> {
  if (maxWork < TF_GEMM_MIN_WORK) return { gemm: jsGemm, backend: 'typescript' }
  let mod: typeof import('@recforge/tf')
  try {
    mod = await import('@recforge/tf')
  } catch (e) {
    throw new RecForgeError('MISSING_DEPENDENCY', `the dense products of this network need TensorFlow.js: install @tensorflow/tfjs-core@4.22.0 beside @recforge/autoencoders (${(e as Error).message.split('\n')[0]})`, { cause: e })
  }
  const info = await mod.ensureBackend()
  return { gemm: tfGemm(mod.tf as unknown as TfMatMul), backend: info.name }
}
