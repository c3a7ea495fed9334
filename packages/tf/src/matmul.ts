import * as tf from '@tensorflow/tfjs-core'

/** Swaps the last two axes (a plain transpose for rank 2). */
function swapLast(t: tf.Tensor): tf.Tensor {
  const r = t.rank
  if (r === 2) return tf.transpose(t)
  const perm = Array.from({ length: r }, (_, i) => i)
  perm[r - 1] = r - 2
  perm[r - 2] = r - 1
  return tf.transpose(t, perm)
}

type MatMul = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor

function explicitMatMul(constA: boolean): MatMul {
  return tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    save([a, b])
    return {
      value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sb] = saved as [tf.Tensor, tf.Tensor]
        const dA = constA ? tf.zerosLike(sa) : tf.matMul(dy as tf.Tensor3D, swapLast(sb) as tf.Tensor3D)
        return [dA, tf.matMul(swapLast(sa) as tf.Tensor3D, dy as tf.Tensor3D)]
      },
    }
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as MatMul
}

let kernels: { full: MatMul; constA: MatMul } | undefined

/** Options of {@link matMul}. */
export interface MatMulOptions {
  /** `a` is data that is never trained (an input matrix): its gradient is zeros and costs no product. Defaults to `false`. */
  constA?: boolean
}

/**
 * `a · b` (rank 2, or rank 3 batched) whose gradient uses explicit transposes and plain matMuls:
 * the WebAssembly backend runs a matMul with a transpose flag (what tfjs's own matMul gradient
 * uses) several times slower than a transpose followed by a plain matMul, most of all on
 * catalogue-wide matrices. The one matMul with a hand-written gradient in RecForge.
 *
 * @example
 * ```ts
 * const h = matMul(x, w)                         // trains x and w
 * const y = matMul(purchases, w1, { constA: true }) // purchases is data
 * ```
 * @throws Error from tfjs when the shapes do not multiply.
 */
export function matMul<T extends tf.Tensor>(a: T, b: tf.Tensor, opts: MatMulOptions = {}): T {
  kernels ??= { full: explicitMatMul(false), constA: explicitMatMul(true) }
  return (opts.constA ? kernels.constA : kernels.full)(a, b) as T
}
