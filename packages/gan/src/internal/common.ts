import { RecForgeError, type Random } from '@recforge/core'
import { tf } from '@recforge/tf'

/** Glorot-uniform weights for a `fanIn × fanOut` matrix, drawn from the seeded generator. */
export function glorot(rng: Random, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut))
  const w = new Float32Array(fanIn * fanOut)
  for (let j = 0; j < w.length; j++) w[j] = (rng.float() * 2 - 1) * limit
  return w
}

/** Small normal values (embedding initialisation). */
export function normalInit(rng: Random, n: number, std: number): Float32Array {
  return rng.fillNormal(new Float32Array(n), 0, std) as Float32Array
}

/** Dense 0/1 rows for `users` from CSR rows (`indptr`, `indices`), row-major `users.length × numItems`. */
export function denseRows(indptr: Int32Array, indices: Int32Array, users: Int32Array, numItems: number): Float32Array {
  const out = new Float32Array(users.length * numItems)
  for (let b = 0; b < users.length; b++) {
    const u = users[b]!
    const base = b * numItems
    for (let k = indptr[u]!; k < indptr[u + 1]!; k++) out[base + indices[k]!] = 1
  }
  return out
}

/** Users with at least one training interaction (those a GAN can learn from). */
export function activeUsers(indptr: Int32Array): Int32Array {
  const n = indptr.length - 1
  let m = 0
  for (let u = 0; u < n; u++) if (indptr[u + 1]! > indptr[u]!) m++
  const out = new Int32Array(m)
  m = 0
  for (let u = 0; u < n; u++) if (indptr[u + 1]! > indptr[u]!) out[m++] = u
  return out
}

/** Throws INVALID_ARGUMENT unless a loss stayed finite; a diverging GAN must not pass silently. */
export function checkFinite(model: string, what: string, value: number, epoch: number): void {
  if (!Number.isFinite(value)) {
    throw new RecForgeError('INVALID_ARGUMENT', `${model}: ${what} became ${value} at epoch ${epoch}; lower the learning rate`)
  }
}

/**
 * a·b whose gradients use explicit transposes: the WebAssembly backend's matMul with a transpose
 * flag (what tfjs's own matMul gradient uses) runs several times slower than transpose + matMul on
 * a catalogue-wide matrix. `constA` skips the gradient of `a` (a data matrix, never trained).
 */
function makeMatMul(constA: boolean) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc]
    save([a, b])
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D]
        const dyy = dy as tf.Tensor2D
        return [constA ? tf.zerosLike(sa) : tf.matMul(dyy, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dyy)]
      },
    }
  }) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D
}

let cached: { full: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D; constA: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D } | undefined

/** a·b (2-D) with the fast gradient of {@link makeMatMul}; `constA` when `a` needs no gradient. */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D, constA = false): tf.Tensor2D {
  cached ??= { full: makeMatMul(false), constA: makeMatMul(true) }
  return constA ? cached.constA(a, b) : cached.full(a, b)
}
