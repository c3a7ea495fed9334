import type { Random } from '@recforge/core'
import { glorotUniform } from '@recforge/compute'
import type { Product } from './dense'

/** Hidden-layer nonlinearity of both CFGAN networks. */
export type Activation = 'sigmoid' | 'relu'

/** The sizes of a CFGAN: vectors of `cols` entries (items for user vectors, users for item vectors). */
export interface CfganShape {
  readonly cols: number
  readonly hidden: number
  readonly discriminatorHidden: number
  readonly activation: Activation
}

/** Binary rows in CSR form: row `r` holds 1 at `indices[indptr[r] .. indptr[r + 1])`. */
export interface BinaryRows {
  readonly indptr: Int32Array
  readonly indices: Int32Array
}

/**
 * Offsets of every tensor in the two flat parameter arrays. Generator: `w1` (cols × hidden), `b1`,
 * `w2` (hidden × cols), `b2`. Discriminator, whose input is `[vector | condition]`: `wx` and `wc`
 * (cols × discriminatorHidden each, the two halves of its first layer), `bd`, `v` (hidden → 1),
 * `c` (the output bias).
 */
export interface CfganLayout {
  readonly g: { readonly w1: number; readonly b1: number; readonly w2: number; readonly b2: number; readonly size: number }
  readonly d: { readonly wx: number; readonly wc: number; readonly bd: number; readonly v: number; readonly c: number; readonly size: number }
}

/** The {@link CfganLayout} of `shape`. */
export function cfganLayout(s: CfganShape): CfganLayout {
  const { cols: n, hidden: h, discriminatorHidden: k } = s
  return {
    g: { w1: 0, b1: n * h, w2: n * h + h, b2: 2 * n * h + h, size: 2 * n * h + h + n },
    d: { wx: 0, wc: n * k, bd: 2 * n * k, v: 2 * n * k + k, c: 2 * n * k + 2 * k, size: 2 * n * k + 2 * k + 1 },
  }
}

/** A 32-bit hash of `(seed, index)` (murmur3's finaliser over a Weyl step), as an unsigned integer. */
function hash32(seed: number, index: number): number {
  let x = (Math.imul(index, 0x9e3779b1) + seed) | 0
  x ^= x >>> 16
  x = Math.imul(x, 0x85ebca6b)
  x ^= x >>> 13
  x = Math.imul(x, 0xc2b2ae35)
  x ^= x >>> 16
  return x >>> 0
}

/**
 * The partial-masking and zero-reconstruction masks of a batch (`rows.length × cols` each). Entry
 * `(r, j)` of an unobserved cell is drawn with probability `ratio` from a hash of the epoch's seed
 * and the cell, so a row has the same masks in every pass of an epoch (as the paper's code samples
 * once per epoch) without storing them. `pm` is also 1 on observed cells; `zr` is 0 there.
 */
export function fillMasks(
  data: BinaryRows,
  rows: Int32Array,
  cols: number,
  pm: { ratio: number; seed: number; out: Float32Array },
  zr?: { ratio: number; seed: number; out: Float32Array },
): void {
  const pmCut = pm.ratio * 4294967296
  const zrCut = zr ? zr.ratio * 4294967296 : 0
  for (let b = 0; b < rows.length; b++) {
    const r = rows[b]!
    const o = b * cols
    const cell = r * cols
    for (let j = 0; j < cols; j++) pm.out[o + j] = hash32(pm.seed, cell + j) < pmCut ? 1 : 0
    if (zr) for (let j = 0; j < cols; j++) zr.out[o + j] = hash32(zr.seed, cell + j) < zrCut ? 1 : 0
    for (let q = data.indptr[r]!; q < data.indptr[r + 1]!; q++) {
      pm.out[o + data.indices[q]!] = 1
      if (zr) zr.out[o + data.indices[q]!] = 0
    }
  }
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

/** Applies the hidden-layer `activation` to `a` in place (training and scoring share it). */
export function activate(a: Float32Array, activation: Activation): void {
  if (activation === 'sigmoid') for (let j = 0; j < a.length; j++) a[j] = sigmoid(a[j]!)
  else for (let j = 0; j < a.length; j++) a[j] = Math.max(0, a[j]!)
}

/** log(1 + e^x) without overflow. */
const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)))

/**
 * The CFGAN networks (Chae et al. 2018) on flat float32 arrays, with hand-written backward passes.
 * Generator: `G(c) = act(c W1 + b1) W2 + b2`, linear output, conditioned on the binary vector `c`
 * (no noise, as in the paper's code). Discriminator: `D(x, c) = act(x Wx + c Wc + bd) · v + cd`
 * (logit). Products with the binary condition (and with real vectors, which equal it) are sparse
 * sums of weight rows; the dense products go through a {@link Product}.
 */
export class CfganNet {
  readonly layout: CfganLayout
  /** Generator parameters. */
  readonly g: Float32Array
  /** Discriminator parameters. */
  readonly d: Float32Array
  /** Gradient of the last {@link generatorStep} with respect to {@link g}. */
  readonly gGrad: Float32Array
  /** Gradient of the last {@link discriminatorStep} with respect to {@link d}. */
  readonly dGrad: Float32Array

  constructor(
    readonly shape: CfganShape,
    readonly product: Product,
  ) {
    this.layout = cfganLayout(shape)
    this.g = new Float32Array(this.layout.g.size)
    this.d = new Float32Array(this.layout.d.size)
    this.gGrad = new Float32Array(this.layout.g.size)
    this.dGrad = new Float32Array(this.layout.d.size)
  }

  /** Glorot-uniform weights (the discriminator's first layer over its 2 · cols inputs) and biases from U(−0.01, 0.01), as the paper's code. */
  init(rng: Random): void {
    const { cols: n, hidden: h, discriminatorHidden: k } = this.shape
    const { g: G, d: D } = this.layout
    const bias = (a: Float32Array, from: number, count: number) => {
      for (let j = from; j < from + count; j++) a[j] = (rng.float() * 2 - 1) * 0.01
    }
    glorotUniform(this.g, n, h, rng, G.w1, n * h)
    bias(this.g, G.b1, h)
    glorotUniform(this.g, h, n, rng, G.w2, h * n)
    bias(this.g, G.b2, n)
    glorotUniform(this.d, 2 * n, k, rng, D.wx, 2 * n * k)
    bias(this.d, D.bd, k)
    glorotUniform(this.d, k, 1, rng, D.v, k)
    bias(this.d, D.c, 1)
  }

  /** `out[b] += Σ_{j ∈ row b} W[j]` for the batch rows, W being `cols × width` at `off` in `p`. */
  private sparseSum(data: BinaryRows, rows: Int32Array, p: Float32Array, off: number, width: number, out: Float32Array): void {
    for (let b = 0; b < rows.length; b++) {
      const r = rows[b]!
      const o = b * width
      for (let q = data.indptr[r]!; q < data.indptr[r + 1]!; q++) {
        const w = off + data.indices[q]! * width
        for (let j = 0; j < width; j++) out[o + j]! += p[w + j]!
      }
    }
  }

  /** `grad[W row j] += g[b]` for every entry j of batch row b: the gradient of {@link sparseSum}. */
  private sparseSumGrad(data: BinaryRows, rows: Int32Array, g: Float32Array, grad: Float32Array, off: number, width: number): void {
    for (let b = 0; b < rows.length; b++) {
      const r = rows[b]!
      const o = b * width
      for (let q = data.indptr[r]!; q < data.indptr[r + 1]!; q++) {
        const w = off + data.indices[q]! * width
        for (let j = 0; j < width; j++) grad[w + j]! += g[o + j]!
      }
    }
  }

  /** A `B × width` array with the bias at `off` of `p` in every row. */
  private biasRows(B: number, p: Float32Array, off: number, width: number): Float32Array {
    const out = new Float32Array(B * width)
    for (let b = 0; b < B; b++) out.set(p.subarray(off, off + width), b * width)
    return out
  }

  /** `grad[off + j] += Σ_b g[b, j]`. */
  private biasGrad(g: Float32Array, width: number, grad: Float32Array, off: number): void {
    for (let o = 0; o < g.length; o += width) for (let j = 0; j < width; j++) grad[off + j]! += g[o + j]!
  }

  private activate(a: Float32Array): void {
    activate(a, this.shape.activation)
  }

  /** `g ⊙ act'(pre)` in place, from the activation's output `a`. */
  private activationGrad(g: Float32Array, a: Float32Array): void {
    if (this.shape.activation === 'sigmoid') for (let j = 0; j < g.length; j++) g[j]! *= a[j]! * (1 - a[j]!)
    else for (let j = 0; j < g.length; j++) if (a[j]! <= 0) g[j] = 0
  }

  /** The generator's hidden activations `B × hidden` and outputs `B × cols` for the batch rows of `data`. */
  generate(data: BinaryRows, rows: Int32Array): { hidden: Float32Array; out: Float32Array } {
    const { cols: n, hidden: h } = this.shape
    const G = this.layout.g
    const hidden = this.biasRows(rows.length, this.g, G.b1, h)
    this.sparseSum(data, rows, this.g, G.w1, h, hidden)
    this.activate(hidden)
    const out = this.product(hidden, this.g.subarray(G.w2, G.w2 + h * n), rows.length, h, n, false, false)
    for (let b = 0; b < rows.length; b++) for (let j = 0; j < n; j++) out[b * n + j]! += this.g[G.b2 + j]!
    return { hidden, out }
  }

  /** Discriminator activations `B × discriminatorHidden` and logits for the dense vectors `x` (B × cols), conditioned on the batch rows. */
  private discriminateDense(data: BinaryRows, rows: Int32Array, x: Float32Array): { act: Float32Array; logit: Float32Array } {
    const { cols: n, discriminatorHidden: k } = this.shape
    const D = this.layout.d
    const xw = this.product(x, this.d.subarray(D.wx, D.wx + n * k), rows.length, n, k, false, false)
    const act = this.biasRows(rows.length, this.d, D.bd, k)
    this.sparseSum(data, rows, this.d, D.wc, k, act)
    for (let j = 0; j < act.length; j++) act[j]! += xw[j]!
    this.activate(act)
    return { act, logit: this.readout(act, rows.length) }
  }

  private readout(act: Float32Array, B: number): Float32Array {
    const k = this.shape.discriminatorHidden
    const D = this.layout.d
    const logit = new Float32Array(B)
    for (let b = 0; b < B; b++) {
      let s = this.d[D.c]!
      for (let j = 0; j < k; j++) s += act[b * k + j]! * this.d[D.v + j]!
      logit[b] = s
    }
    return logit
  }

  /** Back through the readout: fills `grad[v]`, `grad[c]` (when given) and returns the gradient at the hidden pre-activations. */
  private readoutGrad(act: Float32Array, gLogit: Float32Array, grad: Float32Array | undefined): Float32Array {
    const k = this.shape.discriminatorHidden
    const D = this.layout.d
    const gPre = new Float32Array(act.length)
    for (let b = 0; b < gLogit.length; b++) {
      const gl = gLogit[b]!
      if (grad) grad[D.c]! += gl
      for (let j = 0; j < k; j++) {
        if (grad) grad[D.v + j]! += gl * act[b * k + j]!
        gPre[b * k + j] = gl * this.d[D.v + j]!
      }
    }
    this.activationGrad(gPre, act)
    return gPre
  }

  /**
   * One discriminator step's loss and gradient (into {@link dGrad}): binary cross-entropy of the
   * real rows (label 1) and of the generator's outputs masked by `pm` (label 0), each a mean over
   * the batch: `−mean log D(c, c) − mean log(1 − D(G(c) ⊙ pm, c))`.
   */
  discriminatorStep(data: BinaryRows, rows: Int32Array, pm: Float32Array): number {
    const { cols: n, discriminatorHidden: k } = this.shape
    const D = this.layout.d
    const B = rows.length
    const grad = this.dGrad
    grad.fill(0)
    const fake = this.generate(data, rows).out
    for (let j = 0; j < fake.length; j++) fake[j]! *= pm[j]!
    // a real vector equals its condition: both halves of the first layer are sparse sums
    const realAct = this.biasRows(B, this.d, D.bd, k)
    this.sparseSum(data, rows, this.d, D.wx, k, realAct)
    this.sparseSum(data, rows, this.d, D.wc, k, realAct)
    this.activate(realAct)
    const realLogit = this.readout(realAct, B)
    const f = this.discriminateDense(data, rows, fake)
    let loss = 0
    const gReal = new Float32Array(B)
    const gFake = new Float32Array(B)
    for (let b = 0; b < B; b++) {
      loss += softplus(-realLogit[b]!) + softplus(f.logit[b]!)
      gReal[b] = -sigmoid(-realLogit[b]!) / B
      gFake[b] = sigmoid(f.logit[b]!) / B
    }
    const gPreReal = this.readoutGrad(realAct, gReal, grad)
    const gPreFake = this.readoutGrad(f.act, gFake, grad)
    // condition half and bias: both passes; vector half: the real rows sparsely, the fakes densely
    this.sparseSumGrad(data, rows, gPreReal, grad, D.wx, k)
    this.sparseSumGrad(data, rows, gPreReal, grad, D.wc, k)
    this.sparseSumGrad(data, rows, gPreFake, grad, D.wc, k)
    this.biasGrad(gPreReal, k, grad, D.bd)
    this.biasGrad(gPreFake, k, grad, D.bd)
    const gWx = this.product(fake, gPreFake, n, B, k, true, false)
    for (let j = 0; j < n * k; j++) grad[D.wx + j]! += gWx[j]!
    return loss / B
  }

  /**
   * One generator step's loss and gradient (into {@link gGrad}):
   * `−mean log D(G(c) ⊙ pm, c) + zrWeight · mean_rows Σ_{zr} G(c)² + l2 · ½ ‖θ_G‖²`.
   */
  generatorStep(data: BinaryRows, rows: Int32Array, pm: Float32Array, zr: Float32Array, zrWeight: number, l2: number): number {
    const { cols: n, hidden: h, discriminatorHidden: k } = this.shape
    const G = this.layout.g
    const D = this.layout.d
    const B = rows.length
    const grad = this.gGrad
    const { hidden, out } = this.generate(data, rows)
    const fake = new Float32Array(out.length)
    for (let j = 0; j < out.length; j++) fake[j] = out[j]! * pm[j]!
    const f = this.discriminateDense(data, rows, fake)
    let adv = 0
    let zrSum = 0
    const gLogit = new Float32Array(B)
    for (let b = 0; b < B; b++) {
      adv += softplus(-f.logit[b]!)
      gLogit[b] = -sigmoid(-f.logit[b]!) / B
    }
    const gPre = this.readoutGrad(f.act, gLogit, undefined)
    const gFake = this.product(gPre, this.d.subarray(D.wx, D.wx + n * k), B, k, n, false, true)
    const zrScale = (2 * zrWeight) / B
    const gOut = gFake
    for (let j = 0; j < out.length; j++) {
      const o = out[j]!
      const z = zr[j]!
      zrSum += z * o * o
      gOut[j] = gOut[j]! * pm[j]! + zrScale * z * o
    }
    // the penalty's gradient first, then the data terms on top
    let norm = 0
    for (let j = 0; j < grad.length; j++) {
      const w = this.g[j]!
      norm += w * w
      grad[j] = l2 * w
    }
    this.biasGrad(gOut, n, grad, G.b2)
    const gW2 = this.product(hidden, gOut, h, B, n, true, false)
    for (let j = 0; j < h * n; j++) grad[G.w2 + j]! += gW2[j]!
    const gHidden = this.product(gOut, this.g.subarray(G.w2, G.w2 + h * n), B, n, h, false, true)
    this.activationGrad(gHidden, hidden)
    this.sparseSumGrad(data, rows, gHidden, grad, G.w1, h)
    this.biasGrad(gHidden, h, grad, G.b1)
    return adv / B + (zrWeight * zrSum) / B + 0.5 * l2 * norm
  }
}
