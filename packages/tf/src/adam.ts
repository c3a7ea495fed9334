import { Adam } from '@recforge/compute'
import { tf } from './backend'

/**
 * `@recforge/compute`'s Adam (the one Adam of RecForge) over named TensorFlow.js variables: values
 * and moments live in typed arrays; each step reads the gradients back from the backend, updates
 * on the CPU and writes the values into the variables that autodiff reads. Every weight is
 * updated each step (dense Adam, as `tf.train.adam` does).
 *
 * @example
 * ```ts
 * const w = tf.variable(tf.zeros([3]))
 * const adam = new VariableAdam({ w }, { learningRate: 0.01 })
 * adam.minimize(() => tf.sum(tf.square(tf.sub(w, 1)))) // the loss before the step
 * ```
 */
export class VariableAdam {
  private readonly host: Record<string, { v: tf.Variable; w: Float32Array; adam: Adam<Float32Array> }> = {}

  constructor(vars: Readonly<Record<string, tf.Variable>>, opts: { learningRate: number }) {
    for (const [name, v] of Object.entries(vars)) {
      const w = Float32Array.from(v.dataSync() as Float32Array)
      this.host[name] = { v, w, adam: new Adam(w, { learningRate: opts.learningRate }) }
    }
  }

  /** One step with the gradients of every variable, keyed by the variable's `name` (as `tf.variableGrads` gives them). */
  apply(grads: tf.NamedTensorMap): void {
    for (const h of Object.values(this.host)) {
      const g = grads[h.v.name]
      if (g === undefined) continue
      h.adam.step()
      h.adam.update(h.w, g.dataSync() as Float32Array, 0, 0, h.w.length)
      h.v.assign(tf.tensor(h.w, h.v.shape))
    }
  }

  /** One step down the gradient of `loss` over these variables; returns the loss before the step. */
  minimize(loss: () => tf.Scalar): number {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, Object.values(this.host).map((h) => h.v))
      this.apply(grads)
      return value.dataSync()[0]!
    })
  }

  /** The current values of every variable by name (the optimizer's own arrays). */
  weights(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {}
    for (const [name, h] of Object.entries(this.host)) out[name] = h.w
    return out
  }
}
