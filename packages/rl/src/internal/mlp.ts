import type { Random } from '@recforge/core'
import { Adam, glorotUniform } from '@recforge/compute'

/**
 * A one-hidden-layer perceptron with a scalar output (ReLU hidden units), trained with
 * `@recforge/compute`'s Adam on typed arrays. Small enough that hand-written forward and backward
 * passes beat tensor overhead.
 */
export class Mlp {
  readonly params: Float64Array
  private adam: Adam<Float64Array> | undefined
  // offsets into params: W1 (in × h), b1 (h), w2 (h), b2 (1)
  private readonly oB1: number
  private readonly oW2: number
  private readonly oB2: number
  private readonly scratch: Float64Array

  constructor(
    readonly inputs: number,
    readonly hidden: number,
    rng: Random | undefined,
  ) {
    this.oB1 = inputs * hidden
    this.oW2 = this.oB1 + hidden
    this.oB2 = this.oW2 + hidden
    this.params = new Float64Array(this.oB2 + 1)
    this.scratch = new Float64Array(hidden)
    if (rng) {
      glorotUniform(this.params, inputs, hidden, rng, 0, this.oB1)
      glorotUniform(this.params, hidden, 1, rng, this.oW2, hidden)
    }
  }

  copyFrom(other: Mlp): void {
    this.params.set(other.params)
  }

  /** Output for one input row at `x[o..o+inputs)`; fills `hid` with the hidden activations when given. */
  forward(x: Float64Array, o: number, hid?: Float64Array): number {
    const pre = hid ?? this.scratch
    this.partial(x, o, this.inputs, pre)
    return this.finish(pre, this.inputs, x, o, pre)
  }

  /** Hidden pre-activations b1 + W1ᵀx over the first `len` inputs only, from `x[o..o+len)`, into `out`. */
  partial(x: Float64Array, o: number, len: number, out: Float64Array): void {
    const p = this.params
    const h = this.hidden
    for (let j = 0; j < h; j++) out[j] = p[this.oB1 + j]!
    for (let k = 0; k < len; k++) {
      const xk = x[o + k]!
      if (xk === 0) continue
      const row = k * h
      for (let j = 0; j < h; j++) out[j]! += xk * p[row + j]!
    }
  }

  /**
   * Output from pre-activations `pre` that cover inputs `0..start)` (from {@link partial}) plus
   * the inputs `start..inputs)` read from `x[o..)`; writes the hidden activations to `hid`.
   * Shares the state's part of the first layer across the candidates of one state.
   */
  finish(pre: Float64Array, start: number, x: Float64Array, o: number, hid: Float64Array): number {
    const p = this.params
    const h = this.hidden
    if (hid !== pre) hid.set(pre.subarray(0, h))
    for (let k = start; k < this.inputs; k++) {
      const xk = x[o + k - start]!
      if (xk === 0) continue
      const row = k * h
      for (let j = 0; j < h; j++) hid[j]! += xk * p[row + j]!
    }
    let out = p[this.oB2]!
    for (let j = 0; j < h; j++) {
      const a = hid[j]! > 0 ? hid[j]! : 0
      hid[j] = a
      out += a * p[this.oW2 + j]!
    }
    return out
  }

  /**
   * One Adam step on the mean of 0.5·(f(x_b) − y_b)² with the error clipped to [−1, 1] (Huber).
   * Returns the loss. The moments start on the first call, with that call's step size.
   */
  trainBatch(x: Float64Array, y: Float64Array, lr: number): number {
    const B = y.length
    const h = this.hidden
    const p = this.params
    const g = new Float64Array(p.length)
    const hid = new Float64Array(h)
    let loss = 0
    for (let b = 0; b < B; b++) {
      const o = b * this.inputs
      const err = this.forward(x, o, hid) - y[b]!
      loss += Math.abs(err) <= 1 ? 0.5 * err * err : Math.abs(err) - 0.5
      const d = Math.max(-1, Math.min(1, err)) / B
      g[this.oB2]! += d
      for (let j = 0; j < h; j++) {
        if (hid[j]! <= 0) continue
        g[this.oW2 + j]! += d * hid[j]!
        const dh = d * p[this.oW2 + j]!
        g[this.oB1 + j]! += dh
        for (let k = 0; k < this.inputs; k++) g[k * h + j]! += dh * x[o + k]!
      }
    }
    this.adam ??= new Adam(p, { learningRate: lr })
    this.adam.step()
    this.adam.update(p, g, 0, 0, p.length)
    return loss / B
  }
}
