import type { Random } from '@recforge/core'
import { glorotUniform } from '@recforge/compute'
import type { Gemm } from './gemm'

/** One dense layer of a {@link MultLayout}: offsets of its weights (in × out, row-major) and biases in the flat parameter array. */
export interface DenseLayer {
  readonly in: number
  readonly out: number
  readonly w: number
  readonly b: number
  readonly tanh: boolean
}

/**
 * The layers of a Mult-VAE or Mult-DAE (Liang et al. 2018) over `items` inputs with encoder
 * sizes `layers` (the last is the latent size): the encoder maps the input through the sizes,
 * the decoder mirrors them back to the items. Every layer but the output is tanh; in the VAE the
 * last encoder layer is linear and gives the latent mean and log-variance side by side.
 */
export interface MultLayout {
  readonly items: number
  readonly latent: number
  readonly variational: boolean
  /** The first consumes the sparse input. */
  readonly encoder: readonly DenseLayer[]
  /** The last gives the item logits. */
  readonly decoder: readonly DenseLayer[]
  /** Number of parameters. */
  readonly size: number
}

/** The {@link MultLayout} of a network over `items` items with encoder sizes `layers`. */
export function multLayout(items: number, layers: readonly number[], variational: boolean): MultLayout {
  const latent = layers[layers.length - 1]!
  const encDims = [items, ...layers.slice(0, -1), variational ? 2 * latent : latent]
  const decDims = [latent, ...layers.slice(0, -1).reverse(), items]
  let offset = 0
  const make = (dims: number[], tanhLast: boolean): DenseLayer[] =>
    dims.slice(1).map((out, l) => {
      const inp = dims[l]!
      const layer = { in: inp, out, w: offset, b: offset + inp * out, tanh: l < dims.length - 2 || tanhLast }
      offset += inp * out + out
      return layer
    })
  const encoder = make(encDims, !variational)
  const decoder = make(decDims, false)
  return { items, latent, variational, encoder, decoder, size: offset }
}

/** The largest dense product of a batch of `rows`, in multiply-adds (to choose a {@link Gemm}). */
export function largestProduct(layout: MultLayout, rows: number): number {
  let max = 0
  for (const l of [...layout.encoder.slice(1), ...layout.decoder]) max = Math.max(max, rows * l.in * l.out)
  return max
}

/** Rows of a binary user-item matrix: row r holds the distinct items `indices[indptr[r] .. indptr[r+1])`. */
export interface SparseRows {
  readonly rows: number
  readonly indptr: Int32Array
  readonly indices: Int32Array
}

/** Options of {@link MultNet.lossAndGrad}. */
export interface LossOptions {
  /** Weight β of the KL term (VAE). */
  readonly beta: number
  /** Share of input entries dropped (the rest scaled by 1/(1 - dropout)). */
  readonly dropout: number
  /** Penalty on the squared weights (biases excluded). */
  readonly l2: number
  /** Source of the dropout masks and the VAE's noise. */
  readonly rng: Random
  /** The VAE's standard normal noise (rows × latent); drawn from `rng` when absent. */
  readonly eps?: Float32Array
}

/** The terms of one batch's loss (each a mean over the batch's rows). */
export interface LossTerms {
  /** −Σ_i x_ui log softmax(logits_u)_i: the multinomial negative log-likelihood. */
  readonly negLogLikelihood: number
  /** KL(q(z|x) ‖ N(0, I)) (0 for the DAE). */
  readonly kl: number
  /** negLogLikelihood + β kl + l2 Σ w². */
  readonly loss: number
}

const tanhInPlace = (a: Float32Array) => {
  for (let j = 0; j < a.length; j++) a[j] = Math.tanh(a[j]!)
}

const addBias = (a: Float32Array, params: Float32Array, b: number, rows: number, n: number) => {
  for (let r = 0; r < rows; r++) for (let j = 0, o = r * n; j < n; j++) a[o + j]! += params[b + j]!
}

/**
 * The forward and backward pass of a Mult-VAE / Mult-DAE on a flat parameter array: the first
 * layer is a sparse × dense product over the batch's items (the input is binary and L2-normalised),
 * the other products go through a {@link Gemm}. `lossAndGrad` fills `grads` with the exact
 * gradient of {@link LossTerms.loss} for the dropout mask and noise it drew.
 */
export class MultNet {
  readonly params: Float32Array
  readonly grads: Float32Array

  constructor(
    readonly layout: MultLayout,
    readonly gemm: Gemm,
    params?: Float32Array,
  ) {
    this.params = params ?? new Float32Array(layout.size)
    this.grads = new Float32Array(layout.size)
  }

  /** Glorot-uniform weights and N(0, 0.001²) biases truncated at two standard deviations, as the paper's code initialises them. */
  init(rng: Random): void {
    for (const l of [...this.layout.encoder, ...this.layout.decoder]) {
      glorotUniform(this.params, l.in, l.out, rng, l.w, l.in * l.out)
      for (let j = 0; j < l.out; j++) {
        let v = rng.normal()
        while (Math.abs(v) > 2) v = rng.normal()
        this.params[l.b + j] = 0.001 * v
      }
    }
  }

  /** Pre-activations of the first layer: Σ_i x̃_ui W[i] + b over each row's kept entries. */
  private firstLayer(x: SparseRows, keptIdx: Int32Array, keptVal: Float32Array, keptPtr: Int32Array): Float32Array {
    const l = this.layout.encoder[0]!
    const p = this.params
    const n = l.out
    const out = new Float32Array(x.rows * n)
    for (let r = 0; r < x.rows; r++) {
      const o = r * n
      for (let j = 0; j < n; j++) out[o + j] = p[l.b + j]!
      for (let q = keptPtr[r]!; q < keptPtr[r + 1]!; q++) {
        const v = keptVal[q]!
        const wo = l.w + keptIdx[q]! * n
        for (let j = 0; j < n; j++) out[o + j]! += v * p[wo + j]!
      }
    }
    return out
  }

  /** A dense layer on `rows` inputs: h W + b, then tanh where the layer has it. */
  private dense(l: DenseLayer, h: Float32Array, rows: number): Float32Array {
    const a = this.gemm(h, this.params.subarray(l.w, l.w + l.in * l.out), rows, l.in, l.out, false, false)
    addBias(a, this.params, l.b, rows, l.out)
    if (l.tanh) tanhInPlace(a)
    return a
  }

  /** The normalised input entries of each row (1/√n_u), optionally with dropout. */
  private input(x: SparseRows, dropout: number, rng: Random | undefined): { idx: Int32Array; val: Float32Array; ptr: Int32Array } {
    const total = x.indptr[x.rows]! - x.indptr[0]!
    const idx = new Int32Array(total)
    const val = new Float32Array(total)
    const ptr = new Int32Array(x.rows + 1)
    const keep = 1 - dropout
    let w = 0
    for (let r = 0; r < x.rows; r++) {
      const a = x.indptr[r]!
      const b = x.indptr[r + 1]!
      const v = 1 / Math.sqrt(b - a)
      for (let q = a; q < b; q++) {
        if (rng && dropout > 0 && rng.float() >= keep) continue
        idx[w] = x.indices[q]!
        val[w++] = rng && dropout > 0 ? v / keep : v
      }
      ptr[r + 1] = w
    }
    return { idx, val, ptr }
  }

  /** Encoder activations of each layer for the given input entries (the last is the code, or mean ‖ log-variance in the VAE). */
  private encodeLayers(x: SparseRows, inp: { idx: Int32Array; val: Float32Array; ptr: Int32Array }): Float32Array[] {
    const enc = this.layout.encoder
    const first = this.firstLayer(x, inp.idx, inp.val, inp.ptr)
    if (enc[0]!.tanh) tanhInPlace(first)
    const acts = [first]
    for (let l = 1; l < enc.length; l++) acts.push(this.dense(enc[l]!, acts[l - 1]!, x.rows))
    return acts
  }

  /**
   * The deterministic code of each row (rows × latent): the posterior mean in the VAE, the last
   * encoder layer in the DAE. No dropout.
   */
  encode(x: SparseRows): Float32Array {
    const acts = this.encodeLayers(x, this.input(x, 0, undefined))
    const last = acts[acts.length - 1]!
    if (!this.layout.variational) return last
    const L = this.layout.latent
    const mu = new Float32Array(x.rows * L)
    for (let r = 0; r < x.rows; r++) mu.set(last.subarray(r * 2 * L, r * 2 * L + L), r * L)
    return mu
  }

  /** Item logits decoded from one code (`code[offset .. offset + latent)`), into `out` (length items); TypeScript only. */
  decodeInto(code: Float32Array, offset: number, out: Float32Array): void {
    const p = this.params
    let h = code.subarray(offset, offset + this.layout.latent)
    const dec = this.layout.decoder
    for (let li = 0; li < dec.length; li++) {
      const l = dec[li]!
      const a = li === dec.length - 1 ? out : new Float32Array(l.out)
      for (let j = 0; j < l.out; j++) a[j] = p[l.b + j]!
      for (let q = 0; q < l.in; q++) {
        const x = h[q]!
        const wo = l.w + q * l.out
        for (let j = 0; j < l.out; j++) a[j]! += x * p[wo + j]!
      }
      if (l.tanh) tanhInPlace(a)
      h = a
    }
  }

  /**
   * The loss of one batch and its gradient with respect to every parameter (written to `grads`).
   */
  lossAndGrad(x: SparseRows, o: LossOptions): LossTerms {
    const { encoder: enc, decoder: dec, latent: L, variational, items } = this.layout
    const rows = x.rows
    const p = this.params
    const g = this.grads
    g.fill(0)
    const inp = this.input(x, o.dropout, o.rng)
    const encActs = this.encodeLayers(x, inp)
    // latent: z = μ + ε σ in the VAE, the code itself in the DAE
    const last = encActs[encActs.length - 1]!
    let z = last
    let eps: Float32Array | undefined
    let kl = 0
    if (variational) {
      eps = o.eps ?? (o.rng.fillNormal(new Float32Array(rows * L)) as Float32Array)
      z = new Float32Array(rows * L)
      for (let r = 0; r < rows; r++) {
        for (let d = 0; d < L; d++) {
          const mu = last[r * 2 * L + d]!
          const lv = last[r * 2 * L + L + d]!
          const e = Math.exp(lv)
          z[r * L + d] = mu + eps[r * L + d]! * Math.sqrt(e)
          kl += 0.5 * (-lv + e + mu * mu - 1)
        }
      }
      kl /= rows
    }
    const decActs: Float32Array[] = []
    let h = z
    for (const l of dec) {
      h = this.dense(l, h, rows)
      decActs.push(h)
    }
    // multinomial log-likelihood; dlogits = (n_u softmax_u − x_u) / rows, written over the logits
    const logits = decActs[decActs.length - 1]!
    let nll = 0
    for (let r = 0; r < rows; r++) {
      const lo = r * items
      const a = x.indptr[r]!
      const b = x.indptr[r + 1]!
      let picked = 0
      for (let q = a; q < b; q++) picked += logits[lo + x.indices[q]!]!
      let max = Number.NEGATIVE_INFINITY
      for (let j = 0; j < items; j++) if (logits[lo + j]! > max) max = logits[lo + j]!
      let sum = 0
      for (let j = 0; j < items; j++) {
        const e = Math.exp(logits[lo + j]! - max)
        logits[lo + j] = e
        sum += e
      }
      // −Σ_{i ∈ row} log softmax_i = n_u (max + log Σ e) − Σ_{i ∈ row} logit_i
      nll += (b - a) * (max + Math.log(sum)) - picked
      const scale = (b - a) / sum / rows
      for (let j = 0; j < items; j++) logits[lo + j]! *= scale
      for (let q = a; q < b; q++) logits[lo + x.indices[q]!]! -= 1 / rows
    }
    nll /= rows
    // backward through the decoder
    let dA = logits
    for (let li = dec.length - 1; li >= 0; li--) {
      const l = dec[li]!
      const hin = li > 0 ? decActs[li - 1]! : z
      this.layerGrads(l, hin, dA, rows)
      let dh = this.gemm(dA, p.subarray(l.w, l.w + l.in * l.out), rows, l.out, l.in, false, true)
      const below = li > 0 ? dec[li - 1]! : undefined
      if (below?.tanh) dh = tanhGrad(dh, hin)
      dA = dh
    }
    // dA is now ∂loss/∂z; into the last encoder layer
    if (variational) {
      const dLast = new Float32Array(rows * 2 * L)
      const beta = o.beta / rows
      for (let r = 0; r < rows; r++) {
        for (let d = 0; d < L; d++) {
          const mu = last[r * 2 * L + d]!
          const lv = last[r * 2 * L + L + d]!
          const e = Math.exp(lv)
          const dz = dA[r * L + d]!
          dLast[r * 2 * L + d] = dz + beta * mu
          dLast[r * 2 * L + L + d] = dz * eps![r * L + d]! * 0.5 * Math.sqrt(e) + beta * 0.5 * (e - 1)
        }
      }
      dA = dLast
    } else if (enc[enc.length - 1]!.tanh) {
      dA = tanhGrad(dA, last)
    }
    for (let li = enc.length - 1; li >= 1; li--) {
      const l = enc[li]!
      const hin = encActs[li - 1]!
      this.layerGrads(l, hin, dA, rows)
      let dh = this.gemm(dA, p.subarray(l.w, l.w + l.in * l.out), rows, l.out, l.in, false, true)
      if (enc[li - 1]!.tanh) dh = tanhGrad(dh, hin)
      dA = dh
    }
    // first layer: dW[i] += x̃_ui dA_u over the kept entries, db = Σ_u dA_u
    const l0 = enc[0]!
    const n0 = l0.out
    for (let r = 0; r < rows; r++) {
      const ro = r * n0
      for (let j = 0; j < n0; j++) g[l0.b + j]! += dA[ro + j]!
      for (let q = inp.ptr[r]!; q < inp.ptr[r + 1]!; q++) {
        const v = inp.val[q]!
        const wo = l0.w + inp.idx[q]! * n0
        for (let j = 0; j < n0; j++) g[wo + j]! += v * dA[ro + j]!
      }
    }
    let penalty = 0
    if (o.l2 > 0) {
      for (const l of [...enc, ...dec]) {
        for (let j = l.w; j < l.w + l.in * l.out; j++) {
          const w = p[j]!
          penalty += w * w
          g[j]! += 2 * o.l2 * w
        }
      }
      penalty *= o.l2
    }
    return { negLogLikelihood: nll, kl, loss: nll + o.beta * kl + penalty }
  }

  /** Adds a dense layer's weight gradient hinᵀ dA and bias gradient Σ_rows dA to `grads`. */
  private layerGrads(l: DenseLayer, hin: Float32Array, dA: Float32Array, rows: number): void {
    const g = this.grads
    const dW = this.gemm(hin, dA, l.in, rows, l.out, true, false)
    const gw = g.subarray(l.w, l.w + l.in * l.out)
    for (let j = 0; j < dW.length; j++) gw[j]! += dW[j]!
    for (let r = 0; r < rows; r++) for (let j = 0, o = r * l.out; j < l.out; j++) g[l.b + j]! += dA[o + j]!
  }
}

/** dh ⊙ (1 − h²): the gradient through tanh given its output h (in place on dh). */
function tanhGrad(dh: Float32Array, h: Float32Array): Float32Array {
  for (let j = 0; j < dh.length; j++) dh[j]! *= 1 - h[j]! * h[j]!
  return dh
}
