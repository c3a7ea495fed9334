import * as tf from '@tensorflow/tfjs-core'
import { checkNumber } from '@recforge/core'
import { gatherRows } from './ops'

/** One parameter tensor with its Adam moments. */
export interface AdamSlot {
  readonly param: tf.Variable
  readonly m: tf.Variable
  readonly v: tf.Variable
}

/**
 * Adam (Kingma & Ba 2015) for hand-written training steps, in as few kernels as tfjs allows:
 * constants are uploaded once, bias correction is folded into one step-size scalar per step,
 * and {@link AdamOptimizer.updateRows} updates only the embedding rows a batch touched (the
 * "lazy" Adam of TensorFlow's `LazyAdamOptimizer` and PyTorch's `SparseAdam`), which keeps a
 * step's cost independent of the catalogue size. Same defaults as `tf.train.adam`.
 *
 * @example
 * ```ts
 * const adam = new AdamOptimizer({ learningRate: 0.001 })
 * const slot = adam.slot(tf.variable(tf.zeros([10])))
 * tf.tidy(() => { adam.nextStep(); adam.update(slot, grad) })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a non-positive learning rate or betas outside [0, 1).
 */
export class AdamOptimizer {
  readonly learningRate: number
  readonly beta1: number
  readonly beta2: number
  readonly epsilon: number
  private t = 0
  private readonly b1: tf.Scalar
  private readonly c1: tf.Scalar
  private readonly b2: tf.Scalar
  private readonly c2: tf.Scalar
  private readonly eps: tf.Scalar
  private stepSize: tf.Scalar | undefined
  private readonly slots: AdamSlot[] = []

  constructor(opts: {
    /** Step size. Defaults to `0.001`. */
    learningRate?: number
    /** Decay of the first moment. Defaults to `0.9`. */
    beta1?: number
    /** Decay of the second moment. Defaults to `0.999`. */
    beta2?: number
    /** Added to the root of the second moment. Defaults to `1e-7` (tfjs's default). */
    epsilon?: number
  } = {}) {
    this.learningRate = checkNumber('learningRate', opts.learningRate ?? 0.001, { min: 0, exclusiveMin: true })
    this.beta1 = checkNumber('beta1', opts.beta1 ?? 0.9, { min: 0, max: 0.999999 })
    this.beta2 = checkNumber('beta2', opts.beta2 ?? 0.999, { min: 0, max: 0.999999 })
    this.epsilon = checkNumber('epsilon', opts.epsilon ?? 1e-7, { min: 0 })
    this.b1 = tf.keep(tf.scalar(this.beta1))
    this.c1 = tf.keep(tf.scalar(1 - this.beta1))
    this.b2 = tf.keep(tf.scalar(this.beta2))
    this.c2 = tf.keep(tf.scalar(1 - this.beta2))
    this.eps = tf.keep(tf.scalar(this.epsilon))
  }

  /** Number of steps taken. */
  get iterations(): number {
    return this.t
  }

  /** Registers a parameter and creates its zero moments (owned and disposed by this optimizer). */
  slot(param: tf.Variable): AdamSlot {
    // inside tidy so the zero tensors the moment variables are made from do not stay registered
    const s = tf.tidy(() => ({ param, m: tf.variable(tf.zerosLike(param), false), v: tf.variable(tf.zerosLike(param), false) }))
    this.slots.push(s)
    return s
  }

  /** Advances the step counter; call once per batch before the updates of that batch. */
  nextStep(): void {
    this.t++
    const lr = (this.learningRate * Math.sqrt(1 - this.beta2 ** this.t)) / (1 - this.beta1 ** this.t)
    this.stepSize?.dispose()
    this.stepSize = tf.keep(tf.scalar(-lr))
  }

  private moments(m: tf.Tensor, v: tf.Tensor, g: tf.Tensor): { m: tf.Tensor; v: tf.Tensor; delta: tf.Tensor } {
    const m2 = tf.add(tf.mul(m, this.b1), tf.mul(g, this.c1))
    const v2 = tf.add(tf.mul(v, this.b2), tf.mul(tf.square(g), this.c2))
    const delta = tf.mul(tf.div(m2, tf.add(tf.sqrt(v2), this.eps)), this.stepSize!)
    return { m: m2, v: v2, delta }
  }

  /** Dense update of a whole parameter with its gradient. */
  update(s: AdamSlot, grad: tf.Tensor): void {
    tf.tidy(() => {
      const r = this.moments(s.m, s.v, grad)
      s.m.assign(r.m)
      s.v.assign(r.v)
      s.param.assign(tf.add(s.param, r.delta))
    })
  }

  /**
   * Lazy update of the rows `rows` (int32, shape `[n, 1]`, distinct) of a 2-D parameter, with
   * `grad` (`[n, cols]`) their summed gradients; other rows and their moments stay as they are.
   */
  updateRows(s: AdamSlot, rows: tf.Tensor, grad: tf.Tensor): void {
    tf.tidy(() => {
      const r = this.moments(gatherRows(s.m, rows), gatherRows(s.v, rows), grad)
      s.m.assign(tf.tensorScatterUpdate(s.m, rows, r.m))
      s.v.assign(tf.tensorScatterUpdate(s.v, rows, r.v))
      s.param.assign(tf.tensorScatterUpdate(s.param, rows, tf.add(gatherRows(s.param, rows), r.delta)))
    })
  }

  /** Frees the moments and constants (not the parameters). */
  dispose(): void {
    for (const s of this.slots) {
      s.m.dispose()
      s.v.dispose()
    }
    this.slots.length = 0
    tf.dispose([this.b1, this.c1, this.b2, this.c2, this.eps])
    this.stepSize?.dispose()
    this.stepSize = undefined
  }
}
