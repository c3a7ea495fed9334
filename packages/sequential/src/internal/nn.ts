import type { Random } from '@recforge/core'
import { glorotUniform, tf } from '@recforge/tf'

/** How a parameter starts: Glorot-uniform (2-D), zeros, ones, or N(0, std). */
export type Init = 'glorot' | 'zeros' | 'ones' | { normal: number }

/** Shape and initialisation of one named parameter. */
export interface WeightSpec {
  readonly shape: readonly number[]
  readonly init: Init
}

/** Initial values of a parameter from the seeded generator. */
export function initialValues(spec: WeightSpec, rng: Random): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1)
  const out = new Float32Array(size)
  const init = spec.init
  if (init === 'ones') out.fill(1)
  else if (init === 'glorot') glorotUniform(spec.shape[0]!, size / spec.shape[0]!, rng, out)
  else if (init !== 'zeros') rng.fillNormal(out, 0, init.normal)
  return out
}

/** Layer normalisation over the last axis (Ba et al. 2016) with gain and bias. */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, epsilon = 1e-8): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true)
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gain), bias)
}

/** `x · W (+ b)` for `x` of shape `[B, L, d]` and `W` of shape `[d, e]`. */
export function dense3(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor3D {
  const [B, L, d] = x.shape as [number, number, number]
  const e = w.shape[1]!
  let y = mm(tf.reshape(x, [B * L, d]), w)
  if (b) y = tf.add(y, b)
  return tf.reshape(y, [B, L, e])
}

/** Swaps the last two axes. */
function swapLast(t: tf.Tensor): tf.Tensor {
  const r = t.rank
  const perm = Array.from({ length: r }, (_, i) => i)
  perm[r - 1] = r - 2
  perm[r - 2] = r - 1
  return tf.transpose(t, perm)
}

const matMulExplicit = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b])
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(dy as tf.Tensor3D, swapLast(saved[1]!) as tf.Tensor3D), tf.matMul(swapLast(saved[0]!) as tf.Tensor3D, dy as tf.Tensor3D)],
  }
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor

/**
 * `a · b` (rank 2, or rank 3 batched) whose gradient uses explicit transposes and plain matMuls:
 * the wasm backend runs transposed matMuls (what tfjs's own matMul gradient uses) about ten
 * times slower than a transpose followed by a plain matMul.
 */
export function mm(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return matMulExplicit(a, b)
}
