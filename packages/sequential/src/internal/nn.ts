import type { Random } from '@recforge/core'
import { glorotUniform } from '@recforge/compute'
import { matMul, tf } from '@recforge/tf'

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
  else if (init === 'glorot') glorotUniform(out, spec.shape[0]!, size / spec.shape[0]!, rng)
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
  let y = matMul(tf.reshape(x, [B * L, d]), w)
  if (b) y = tf.add(y, b)
  return tf.reshape(y, [B, L, e])
}
