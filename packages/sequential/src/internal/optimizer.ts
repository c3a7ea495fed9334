import { Adam } from '@recforge/compute'
import { tf } from '@recforge/tf'
import type { WeightSpec } from './nn'

/**
 * `@recforge/compute`'s Adam over a model's named parameters: the values and moments live in
 * typed arrays; each step reads the gradients back from the backend, updates on the CPU and
 * writes the values into the tfjs variables that autodiff reads. Every weight is updated each
 * step (dense Adam, as these models trained before; measured on ml-latest-small, no slower per
 * epoch than `tf.train.adam` on wasm).
 */
export class ParamsAdam {
  private readonly host: Record<string, { w: Float32Array; adam: Adam<Float32Array> }> = {}

  constructor(
    private readonly specs: Readonly<Record<string, WeightSpec>>,
    private readonly vars: Readonly<Record<string, tf.Variable>>,
    learningRate: number,
  ) {
    for (const [name, v] of Object.entries(vars)) {
      const w = Float32Array.from(v.dataSync() as Float32Array)
      this.host[name] = { w, adam: new Adam(w, { learningRate }) }
    }
  }

  /** One step with the gradients of every parameter, keyed by variable name (call inside `tf.tidy`). */
  apply(grads: tf.NamedTensorMap): void {
    for (const [name, v] of Object.entries(this.vars)) {
      const h = this.host[name]!
      h.adam.step()
      h.adam.update(h.w, grads[v.name]!.dataSync() as Float32Array, 0, 0, h.w.length)
      v.assign(tf.tensor(h.w, [...this.specs[name]!.shape]))
    }
  }

  /** The current values of every parameter (the optimizer's own arrays). */
  weights(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {}
    for (const [name, h] of Object.entries(this.host)) out[name] = h.w
    return out
  }
}
