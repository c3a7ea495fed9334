import { checkNumber } from '@recforge/core'

/** Options of {@link Adam}. */
export interface AdamOptions {
  /** Step size α. Must be > 0. */
  learningRate: number
  /** Decay of the first moment. Defaults to `0.9`. */
  beta1?: number
  /** Decay of the second moment. Defaults to `0.999`. */
  beta2?: number
  /** ε of Kingma & Ba, added to the root of the bias-corrected second moment (PyTorch's convention). Defaults to `1e-8`. */
  epsilon?: number
}

/** Parameter arrays Adam updates in place. */
export type AdamArray = Float32Array | Float64Array

/**
 * Adam (Kingma & Ba 2015) on typed arrays, updated in place: the one hand-written Adam of RecForge.
 * The update is the paper's, θ ← θ − α·m̂/(√v̂ + ε) with bias-corrected moments, computed with
 * the corrections folded into one step size per step. {@link Adam.update} updates a dense range;
 * {@link Adam.updateRows} updates only the rows a batch touched ("lazy" Adam, as TensorFlow's
 * LazyAdamOptimizer and PyTorch's SparseAdam), so a step costs what the batch touches, not the
 * whole embedding table. The moments have the parameter array's type (float32 or float64).
 *
 * @example
 * ```ts
 * const weights = new Float32Array(1000)
 * const adam = new Adam(weights, { learningRate: 0.001 })
 * adam.step()                                   // once per batch
 * adam.update(weights, grads, 0, 0, weights.length)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a learning rate <= 0, betas outside [0, 1) or a negative epsilon.
 */
export class Adam<A extends AdamArray = AdamArray> {
  readonly learningRate: number
  readonly beta1: number
  readonly beta2: number
  readonly epsilon: number
  /** First moments, one per parameter. */
  readonly m: A
  /** Second moments, one per parameter. */
  readonly v: A
  private t = 0
  private stepSize = 0
  private epsHat = 0

  /** Moments for the parameters `like` (same length and element type), zero at the start. */
  constructor(like: A, opts: AdamOptions) {
    this.learningRate = checkNumber('learningRate', opts.learningRate, { min: 0, exclusiveMin: true })
    this.beta1 = checkNumber('beta1', opts.beta1 ?? 0.9, { min: 0, max: 0.999999 })
    this.beta2 = checkNumber('beta2', opts.beta2 ?? 0.999, { min: 0, max: 0.999999 })
    this.epsilon = checkNumber('epsilon', opts.epsilon ?? 1e-8, { min: 0 })
    const C = like.constructor as new (n: number) => A
    this.m = new C(like.length)
    this.v = new C(like.length)
  }

  /** Steps taken so far. */
  get iterations(): number {
    return this.t
  }

  /** Advances the step counter; call once per batch, before that batch's updates. */
  step(): void {
    this.t++
    const c2 = Math.sqrt(1 - this.beta2 ** this.t)
    this.stepSize = (this.learningRate * c2) / (1 - this.beta1 ** this.t)
    // √v̂ + ε = (√v + ε·√(1 − β2^t)) / √(1 − β2^t): the paper's ε on the uncorrected moment
    this.epsHat = this.epsilon * c2
  }

  /**
   * Applies the gradient `grad[gradOffset .. gradOffset + length)` to
   * `param[paramOffset .. paramOffset + length)` (moments at the parameter offsets).
   */
  update(param: A, grad: ArrayLike<number>, gradOffset: number, paramOffset: number, length: number): void {
    const { m, v, beta1: b1, beta2: b2, stepSize, epsHat } = this
    const c1 = 1 - b1
    const c2 = 1 - b2
    for (let k = 0; k < length; k++) {
      const g = grad[gradOffset + k]!
      const p = paramOffset + k
      const mk = b1 * m[p]! + c1 * g
      const vk = b2 * v[p]! + c2 * g * g
      m[p] = mk
      v[p] = vk
      param[p] = param[p]! - (stepSize * mk) / (Math.sqrt(vk) + epsHat)
    }
  }

  /**
   * Lazy update of `count` rows of a row-major parameter with rows of `rowLength`: row `rows[q]`
   * of `param` takes gradient row `q` of `grad` (`grad[q·rowLength ..]`). Rows not listed, and
   * their moments, stay as they are. Rows must be distinct.
   */
  updateRows(param: A, grad: ArrayLike<number>, rows: Int32Array, count: number, rowLength: number): void {
    for (let q = 0; q < count; q++) this.update(param, grad, q * rowLength, rows[q]! * rowLength, rowLength)
  }
}
