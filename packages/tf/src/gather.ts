import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-core/dist/register_all_gradients'

let registered = false

/**
 * Replaces the gradient of `GatherV2` (embedding lookups) with one built on `scatterND`.
 * The stock gradient goes through `UnsortedSegmentSum`, which the wasm backend lacks and the cpu
 * backend runs extremely slowly; without this, no embedding model trains on those backends.
 * Gathers along axis 0 without batch dimensions (the embedding case) use `scatterND`, which sums
 * rows for repeated indices; any other gather keeps the original gradient. Also registers the
 * gradient of `GatherNd` (which tfjs-core lacks) as a `scatterND`, so {@link gatherRows} trains. Idempotent.
 *
 * @example
 * ```ts
 * registerGatherGradient()
 * const g = tf.grad((t) => tf.gather(t, idx).sum())(table)
 * ```
 */
export function registerGatherGradient(): void {
  if (registered) return
  const original = tf.getGradient('GatherV2')
  tf.registerGradient({
    kernelName: 'GatherV2',
    inputsToSave: ['x', 'indices'],
    gradFunc: (dy, saved, attrs) => {
      const [x, indices] = saved as [tf.Tensor, tf.Tensor]
      const axis = tf.util.parseAxisParam((attrs as { axis: number }).axis, x.shape)[0] ?? 0
      const batchDims = (attrs as { batchDims?: number }).batchDims ?? 0
      if (axis !== 0 || batchDims !== 0) {
        if (!original) throw new Error(`no gradient for GatherV2 with axis ${axis}, batchDims ${batchDims}`)
        return original.gradFunc(dy, saved, attrs)
      }
      const dyT = Array.isArray(dy) ? dy[0]! : dy
      return {
        x: () =>
          tf.tidy(() => {
            const n = indices.size
            const idx = tf.reshape(indices.dtype === 'int32' ? indices : tf.cast(indices, 'int32'), [n, 1]) as tf.Tensor2D
            const rows = tf.reshape(dyT, [n, ...x.shape.slice(1)])
            return tf.scatterND(idx, rows, x.shape)
          }),
        indices: () => tf.zerosLike(indices),
      }
    },
  })
  // tfjs-core has no GatherNd gradient; the embedding lookups of `gatherRows` need one.
  tf.registerGradient({
    kernelName: 'GatherNd',
    inputsToSave: ['params', 'indices'],
    gradFunc: (dy, saved) => {
      const [params, indices] = saved as [tf.Tensor, tf.Tensor]
      const dyT = Array.isArray(dy) ? dy[0]! : dy
      return {
        params: () => tf.scatterND(indices, dyT, params.shape),
        indices: () => tf.zerosLike(indices),
      }
    },
  })
  registered = true
}
