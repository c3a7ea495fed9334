import * as tf from '@tensorflow/tfjs-core'
import { RecForgeError } from '@recforge/core'

/**
 * Looks up rows of an embedding table: `indices` of shape `[...s, 1]` (int32) gives `[...s, dims]`.
 * Picks the kernel that is fast on the active backend: `gatherND` on wasm and native TensorFlow
 * (the wasm `GatherV2` kernel is about 50 times slower for 2-D tables), `gather` on the pure-JS cpu
 * backend (where `gatherND` is the slow one). Both train through `scatterND` once
 * {@link registerGatherGradient} has run (as {@link initBackend} does).
 *
 * @example
 * ```ts
 * const rows = gatherRows(table, tf.tensor2d([3, 0, 3], [3, 1], 'int32')) // [3, dims]
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `indices` does not end in a dimension of 1.
 */
export function gatherRows(table: tf.Tensor, indices: tf.Tensor): tf.Tensor {
  if (indices.shape[indices.shape.length - 1] !== 1) {
    throw new RecForgeError('INVALID_ARGUMENT', `gatherRows expects indices of shape [..., 1]; got [${indices.shape.join(', ')}]`)
  }
  if (tf.getBackend() === 'cpu') {
    const outer = indices.shape.slice(0, -1)
    return tf.reshape(tf.gather(table, tf.reshape(indices, [indices.size])), [...outer, ...table.shape.slice(1)])
  }
  return tf.gatherND(table, indices)
}

/**
 * Mean binary cross-entropy of logits `z` against labels `y` (same shape), as one op with a fused
 * gradient `(sigmoid(z) - y) / n`: fewer kernels per batch than the composed loss, and stable
 * for large |z| (`softplus(z) - y z`).
 *
 * @example
 * ```ts
 * const loss = sigmoidCrossEntropy(tf.tensor1d([2, -1]), tf.tensor1d([1, 0]))
 * ```
 * @throws RecForgeError DIMENSION_MISMATCH when the shapes differ.
 */
export function sigmoidCrossEntropy(z: tf.Tensor, y: tf.Tensor, weights?: tf.Tensor): tf.Scalar {
  if (!tf.util.arraysEqual(z.shape, y.shape)) {
    throw new RecForgeError('DIMENSION_MISMATCH', `logits have shape [${z.shape.join(', ')}] but labels have [${y.shape.join(', ')}]`)
  }
  const f = tf.customGrad(((logits: tf.Tensor, save: tf.GradSaveFunc) => {
    // Labels and weights go through `save`: tensors the loss closure merely captured may be made
    // inside the function being differentiated, and tfjs disposes those before the backward pass.
    save(weights ? [logits, y, weights] : [logits, y])
    const per = tf.sub(tf.softplus(logits), tf.mul(y, logits))
    const value = weights ? tf.div(tf.sum(tf.mul(per, weights)), tf.maximum(tf.sum(weights), 1)) : tf.mean(per)
    return {
      value: value as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sz, sy, sw] = saved as [tf.Tensor, tf.Tensor, tf.Tensor | undefined]
        const g = tf.sub(tf.sigmoid(sz), sy)
        const scale = sw ? tf.div(tf.mul(dy, sw), tf.maximum(tf.sum(sw), 1)) : tf.div(dy, sz.size)
        return tf.mul(g, scale)
      },
    }
  }) as unknown as Parameters<typeof tf.customGrad>[0])
  return f(z) as tf.Scalar
}
