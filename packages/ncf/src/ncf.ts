import {
  BaseRecommender,
  Random,
  RecForgeError,
  checkArtifacts,
  checkNumber,
  nnz,
  requireTensor,
  sortedHas,
  throwIfAborted,
  type FitOptions,
  type Interactions,
  type ModelArtifacts,
} from '@recforge/core'
import { Batcher, ensureBackend, glorotUniform, takeRows, tf, trainEpochs, type TrainEpochsResult } from '@recforge/tf'

/** Which NCF network: generalized matrix factorization, the multi-layer perceptron, or their fusion. */
export type NCFKind = 'gmf' | 'mlp' | 'neumf'

/** What the network is trained for. */
export type NCFObjective = 'implicit' | 'explicit'

/** Options shared by {@link GMF}, {@link MLP} and {@link NeuMF}. */
export interface NCFConfig {
  /** Size of the GMF user and item embeddings (GMF and NeuMF). Defaults to `8`. */
  factors: number
  /**
   * MLP layer sizes; the first is the concatenated user+item embedding size (so each embedding
   * has half of it), the rest are the hidden ReLU layers (MLP and NeuMF). Defaults to `[64, 32, 16, 8]`.
   */
  layers: readonly number[]
  /** Passes over the training data. Defaults to `20`. */
  epochs: number
  /** Rows per mini-batch. Defaults to `256`. */
  batchSize: number
  /** Adam learning rate. Defaults to `0.001`. */
  learningRate: number
  /** Sampled negative items per positive (implicit objective), drawn anew each epoch. Defaults to `4`. */
  negatives: number
  /**
   * `implicit`: every interaction is a positive, sampled unseen items are negatives, binary
   * cross-entropy, scores are logits. `explicit`: regress the stored ratings with mean squared
   * error, scores are predicted ratings. Defaults to `'implicit'`.
   */
  objective: NCFObjective
  /** Seed of initial weights, negative sampling and shuffling. Defaults to `42`. */
  seed: number
  /** L2 penalty added to the gradient as `l2 × weight`, for the embedding rows of each batch and all dense weights; the paper trains without it, small planted or explicit-rating data need it against overfitting. Defaults to `0`. */
  l2: number
  /** NeuMF only: epochs of GMF and of MLP training whose weights initialise NeuMF (He et al. 2017, 3.4.1); 0 starts from random weights. Defaults to `0`. */
  pretrainEpochs: number
  /** NeuMF only: weight of the pretrained GMF output layer against the MLP one. Defaults to `0.5`. */
  alpha: number
}

/** The defaults of {@link NCFConfig}. */
export const NCF_DEFAULTS: Readonly<NCFConfig> = Object.freeze({
  factors: 8,
  layers: Object.freeze([64, 32, 16, 8]),
  epochs: 20,
  batchSize: 256,
  learningRate: 0.001,
  negatives: 4,
  objective: 'implicit',
  seed: 42,
  l2: 0,
  pretrainEpochs: 0,
  alpha: 0.5,
})

const FORMAT_VERSION = 1

interface Layout {
  /** Embedding row width (GMF part, then MLP part). */
  D: number
  f: number
  e: number
  mats: { w: number; b: number; in: number; out: number }[]
  h: number
  hSize: number
  hb: number
  total: number
}

function layoutOf(kind: NCFKind, c: NCFConfig): Layout {
  const f = kind === 'mlp' ? 0 : c.factors
  const e = kind === 'gmf' ? 0 : c.layers[0]! / 2
  const mats: Layout['mats'] = []
  let o = 0
  if (kind !== 'gmf') {
    for (let k = 0; k + 1 < c.layers.length; k++) {
      const inn = c.layers[k]!
      const out = c.layers[k + 1]!
      mats.push({ w: o, b: o + inn * out, in: inn, out })
      o += inn * out + out
    }
  }
  const hSize = f + (kind === 'gmf' ? 0 : c.layers[c.layers.length - 1]!)
  const h = o
  const hb = h + hSize
  return { D: f + e, f, e, mats, h, hSize, hb, total: hb + 1 }
}

/**
 * Offsets of the dense weights as training holds them: the MLP layers as stored, then the GMF
 * output weights over whole embedding rows ([D], zero where the MLP columns enter) so the GMF
 * product needs no column slice, then the MLP output weights and the bias.
 */
interface TrainingLayout {
  hG: number
  hM: number
  hMSize: number
  hb: number
  total: number
  /** 1 on the GMF columns of the padded GMF output weights, 0 on the padding. */
  hGMask: Float32Array | undefined
}

function trainingLayoutOf(L: Layout): TrainingLayout {
  const hG = L.h
  const hM = hG + (L.f > 0 ? L.D : 0)
  const hMSize = L.hSize - L.f
  const hb = hM + hMSize
  const total = hb + 1
  let hGMask: Float32Array | undefined
  if (L.f > 0 && L.e > 0) {
    hGMask = new Float32Array(L.D)
    hGMask.fill(1, 0, L.f)
  }
  return { hG, hM, hMSize, hb, total, hGMask }
}

/** Dense weights in the stored layout → the padded training layout. */
function toTraining(L: Layout, T: TrainingLayout, w: Float32Array): Float32Array {
  const out = new Float32Array(T.total)
  out.set(w.subarray(0, L.h))
  out.set(w.subarray(L.h, L.h + L.f), T.hG)
  out.set(w.subarray(L.h + L.f, L.h + L.hSize), T.hM)
  out[T.hb] = w[L.hb]!
  return out
}

/** The padded training layout → dense weights in the stored layout. */
function fromTraining(L: Layout, T: TrainingLayout, t: Float32Array): Float32Array {
  const out = new Float32Array(L.total)
  out.set(t.subarray(0, L.h))
  out.set(t.subarray(T.hG, T.hG + L.f), L.h)
  out.set(t.subarray(T.hM, T.hM + T.hMSize), L.h + L.f)
  out[L.hb] = t[T.hb]!
  return out
}

/**
 * Adam moments of a flat parameter array, updated in place on the CPU with TensorFlow.js's
 * formulation (Kingma & Ba 2015 with epsilon added to the root of the second moment and the bias
 * correction folded into the step size; betas 0.9 and 0.999, epsilon 1e-7).
 */
class AdamState {
  private readonly m: Float32Array
  private readonly v: Float32Array
  private t = 0
  private stepSize = 0

  constructor(
    size: number,
    private readonly lr: number,
  ) {
    this.m = new Float32Array(size)
    this.v = new Float32Array(size)
  }

  nextStep(): void {
    this.t++
    this.stepSize = (this.lr * Math.sqrt(1 - 0.999 ** this.t)) / (1 - 0.9 ** this.t)
  }

  /** Applies gradient `g[gOff .. gOff + n)` to `param[pOff .. pOff + n)` (and the moments at pOff). */
  update(param: Float32Array, g: Float32Array, gOff: number, pOff: number, n: number): void {
    const { m, v, stepSize } = this
    for (let k = 0; k < n; k++) {
      const gk = g[gOff + k]!
      const p = pOff + k
      const mk = 0.9 * m[p]! + 0.1 * gk
      const vk = 0.999 * v[p]! + 0.001 * gk * gk
      m[p] = mk
      v[p] = vk
      param[p] = param[p]! - (stepSize * mk) / (Math.sqrt(vk) + 1e-7)
    }
  }
}

function validate(kind: NCFKind, config: NCFConfig): NCFConfig {
  checkNumber('factors', config.factors, { min: 1, integer: true })
  checkNumber('epochs', config.epochs, { min: 0, integer: true })
  checkNumber('batchSize', config.batchSize, { min: 1, integer: true })
  checkNumber('learningRate', config.learningRate, { min: 0, exclusiveMin: true })
  checkNumber('negatives', config.negatives, { min: 0, integer: true })
  checkNumber('seed', config.seed, { integer: true })
  checkNumber('pretrainEpochs', config.pretrainEpochs, { min: 0, integer: true })
  checkNumber('alpha', config.alpha, { min: 0, max: 1 })
  checkNumber('l2', config.l2, { min: 0 })
  if (config.objective !== 'implicit' && config.objective !== 'explicit') {
    throw new RecForgeError('INVALID_ARGUMENT', `option "objective" must be "implicit" or "explicit"; got ${JSON.stringify(config.objective)}`)
  }
  if (kind !== 'gmf') {
    const l = config.layers
    if (!Array.isArray(l) || l.length < 1 || l.some((x) => !Number.isInteger(x) || x < 1) || l[0]! % 2 !== 0) {
      throw new RecForgeError('INVALID_ARGUMENT', `option "layers" must be positive integers with an even first entry (the concatenated embedding size), e.g. [64, 32, 16, 8]; got ${JSON.stringify(l)}`)
    }
  }
  return config
}

/**
 * Parses a layer list written as text (`"64,32,16,8"`), as `recforge --set layers=...` passes it.
 *
 * @example
 * ```ts
 * parseLayers('64,32,16,8') // [64, 32, 16, 8]
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when an entry is not a positive integer.
 */
export function parseLayers(text: string): number[] {
  const parts = text.split(/[,\s]+/).filter(Boolean).map(Number)
  if (parts.length === 0 || parts.some((x) => !Number.isInteger(x) || x < 1)) {
    throw new RecForgeError('INVALID_ARGUMENT', `layers must be a comma-separated list of positive integers such as "64,32,16,8"; got ${JSON.stringify(text)}`)
  }
  return parts
}

/** Trained weights in plain typed arrays (scoring needs no TensorFlow.js backend). */
interface Weights {
  /** (users + items) × D embedding rows: users first, then items. */
  emb: Float32Array
  dense: Float32Array
}

/** Training statistics of the last `fit`. */
export interface NCFFitReport extends TrainEpochsResult {
  /** The TensorFlow.js backend name the model trained on. */
  readonly backend: string
}

/**
 * The shared NCF implementation (He et al. 2017, Neural Collaborative Filtering). The user and
 * item embeddings (GMF part and MLP part side by side), the dense weights and their Adam moments
 * live in typed arrays; a training step uploads the batch's embedding rows and the dense weights,
 * runs a hand-differentiated forward and backward pass on the TensorFlow.js backend, reads the
 * gradients back in one transfer and applies Adam in place (lazily to the rows the batch
 * touched). Scoring runs on plain typed arrays and needs no TensorFlow.js backend.
 *
 * @example
 * ```ts
 * const model: NCFModel = new NeuMF({ epochs: 10 })
 * await model.fit(train, { seed: 42, onProgress: (e) => console.error(e.stage, e.current) })
 * model.lastFit?.epochSeconds // seconds per epoch; model.lastFit?.backend: 'tensorflow-wasm'
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for out-of-range options or a diverging loss; EMPTY_INPUT for empty data; ABORTED when the fit signal fires; NOT_FITTED or UNKNOWN_ID when scoring.
 */
export abstract class NCFModel extends BaseRecommender<NCFConfig> {
  abstract readonly kind: NCFKind
  protected w: Weights | undefined
  /** Statistics of the last `fit` (epochs, loss history, seconds per epoch, backend). */
  lastFit: NCFFitReport | undefined
  private itemFirstLayer: Float32Array | undefined

  constructor(kind: NCFKind, config: Partial<NCFConfig> = {}) {
    super(validate(kind, { ...NCF_DEFAULTS, ...config, layers: [...(config.layers ?? NCF_DEFAULTS.layers)] }))
  }

  private get layout(): Layout {
    return layoutOf(this.kind, this.config)
  }

  /** Fresh weights from the seeded generator: N(0, 0.01) embeddings, Glorot-uniform dense layers. */
  private initWeights(nU: number, nI: number, rng: Random, meanRating: number): Weights {
    const L = this.layout
    const emb = rng.fillNormal(new Float32Array((nU + nI) * L.D), 0, 0.01) as Float32Array
    const dense = new Float32Array(L.total)
    for (const m of L.mats) glorotUniform(m.in, m.out, rng, dense.subarray(m.w, m.w + m.in * m.out))
    glorotUniform(L.hSize, 1, rng, dense.subarray(L.h, L.h + L.hSize))
    dense[L.hb] = this.config.objective === 'explicit' ? meanRating : 0
    return { emb, dense }
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    const seed = opts.seed ?? this.config.seed
    let init: Weights | undefined
    if (this.kind === 'neumf' && this.config.pretrainEpochs > 0) init = await this.pretrain(data, opts, seed)
    await this.train(data, opts, seed, init)
  }

  /** Trains GMF and MLP with this model's settings and fuses their weights (alpha-weighted output layer). */
  private async pretrain(data: Interactions, opts: FitOptions, seed: number): Promise<Weights> {
    const c = { ...this.config, epochs: this.config.pretrainEpochs }
    const gmf = new GMF(c)
    const mlp = new MLP(c)
    const stage = (name: string) => (opts.onProgress ? { onProgress: (e: Parameters<NonNullable<FitOptions['onProgress']>>[0]) => opts.onProgress!({ ...e, stage: `${name} ${e.stage}` }) } : {})
    await gmf.fit(data, { ...opts, ...stage('pretrain gmf'), seed })
    await mlp.fit(data, { ...opts, ...stage('pretrain mlp'), seed: seed + 1 })
    const L = this.layout
    const G = gmf.w!
    const M = mlp.w!
    const LG = layoutOf('gmf', this.config)
    const LM = layoutOf('mlp', this.config)
    const rows = data.users.size + data.items.size
    const emb = new Float32Array(rows * L.D)
    for (let r = 0; r < rows; r++) {
      emb.set(G.emb.subarray(r * L.f, (r + 1) * L.f), r * L.D)
      emb.set(M.emb.subarray(r * L.e, (r + 1) * L.e), r * L.D + L.f)
    }
    const dense = new Float32Array(L.total)
    dense.set(M.dense.subarray(0, LM.h), 0)
    const a = this.config.alpha
    for (let k = 0; k < L.f; k++) dense[L.h + k] = a * G.dense[LG.h + k]!
    for (let k = 0; k < LM.hSize; k++) dense[L.h + L.f + k] = (1 - a) * M.dense[LM.h + k]!
    dense[L.hb] = a * G.dense[LG.hb]! + (1 - a) * M.dense[LM.hb]!
    return { emb, dense }
  }

  private async train(data: Interactions, opts: FitOptions, seed: number, init: Weights | undefined): Promise<void> {
    const backend = await ensureBackend()
    const c = this.config
    const L = this.layout
    const nU = data.users.size
    const nI = data.items.size
    const n = nnz(data)
    const rng = new Random(seed)
    const implicit = c.objective === 'implicit'
    let meanRating = 0
    for (let k = 0; k < n; k++) meanRating += data.values[k]!
    meanRating /= n
    const w0 = init ?? this.initWeights(nU, nI, rng, meanRating)

    // rows of one epoch: (user, nU + item) pairs and labels, refilled with fresh negatives each epoch
    const perPos = implicit ? 1 + c.negatives : 1
    const R = n * perPos
    const pairs = new Int32Array(2 * R)
    const labels = new Float32Array(R)
    const sorted = new Int32Array(data.indices.subarray(0, n))
    for (let u = 0; u < nU; u++) sorted.subarray(data.indptr[u]!, data.indptr[u + 1]!).sort()
    const fillEpoch = () => {
      let r = 0
      for (let u = 0; u < nU; u++) {
        const a = data.indptr[u]!
        const b = data.indptr[u + 1]!
        const row = sorted.subarray(a, b)
        const full = b - a >= nI
        for (let k = a; k < b; k++) {
          pairs[2 * r] = u
          pairs[2 * r + 1] = nU + data.indices[k]!
          labels[r++] = implicit ? 1 : data.values[k]!
          if (!implicit) continue
          for (let t = 0; t < c.negatives; t++) {
            let j = rng.int(nI)
            // rejection sampling of an item the user never interacted with
            for (let tries = 0; !full && tries < 100 && sortedHas(row, j); tries++) j = rng.int(nI)
            pairs[2 * r] = u
            pairs[2 * r + 1] = nU + j
            labels[r++] = 0
          }
        }
      }
    }

    // The embedding table (each row [GMF part | MLP part]), the dense weights and their Adam
    // moments live in typed arrays. A step uploads the batch's rows and the dense weights, runs
    // the hand-differentiated forward and backward pass on the backend, reads the gradients back
    // in one transfer and applies Adam in place: lazily to the embedding rows the batch touched
    // (as TensorFlow's LazyAdam and PyTorch's SparseAdam), fully to the dense weights. No tensor
    // outlives its step and the cost of a step does not depend on the catalogue size.
    const rowsAll = nU + nI
    const D = L.D
    const T = trainingLayoutOf(L)
    const E = Float32Array.from(w0.emb)
    const W = toTraining(L, T, w0.dense)
    const adamE = new AdamState(E.length, c.learningRate)
    const adamW = new AdamState(W.length, c.learningRate)
    const batcher = new Batcher({ size: R, batchSize: c.batchSize, seed: rng.uint32() })
    const B0 = c.batchSize
    const idxBuf = new Int32Array(2 * B0)
    const labBuf = new Float32Array(B0)
    // distinct embedding rows of a batch, and where each of the 2B look-ups lands among them
    const rowsBuf = new Int32Array(2 * B0)
    const local = new Int32Array(2 * B0)
    const where = new Int32Array(rowsAll).fill(-1)
    const xBuf = new Float32Array(2 * B0 * D)
    const swapBuf = L.f > 0 ? new Float32Array(2 * B0 * D) : undefined
    const gRows = new Float32Array(2 * B0 * D)
    const gW = new Float32Array(W.length)
    const signBuf = new Float32Array(B0)
    const signScaledBuf = new Float32Array(B0)

    /**
     * Forward and backward pass of one batch: the gradient of X (B×2×D), the gradients of the dense
     * weights in their layout order, and the loss. Each weight is uploaded as its own tensor and
     * each result read back on its own, which costs fewer kernel launches than slicing and
     * concatenating one flat tensor.
     */
    const gradients = (B: number): tf.Tensor[] =>
      tf.tidy(() => {
        const param = <S extends [number, number] | [number]>(off: number, shape: S): S extends [number, number] ? tf.Tensor2D : tf.Tensor1D =>
          tf.tensor(W.subarray(off, off + shape.reduce((x, y) => x * y, 1)), shape, 'float32') as never
        const hb = param(T.hb, [1])
        // X[b] = [user row; item row], each [GMF part | MLP part]
        const X = tf.tensor3d(xBuf.subarray(0, 2 * B * D), [B, 2, D])
        let z: tf.Tensor2D | undefined
        let P: tf.Tensor2D | undefined
        let hG: tf.Tensor2D | undefined
        if (L.f > 0) {
          // p_u ⊙ q_i over whole rows; the zero-padded output weights drop the MLP columns
          P = tf.prod(X, 1) as tf.Tensor2D
          hG = param(T.hG, [D, 1] as [number, number])
          z = tf.fused.matMul({ a: P, b: hG, bias: hb }) as tf.Tensor2D
        }
        const acts: tf.Tensor2D[] = []
        const Ws: tf.Tensor2D[] = []
        let hM: tf.Tensor2D | undefined
        if (L.e > 0) {
          // [user MLP part | item MLP part]
          let a = tf.reshape<tf.Rank.R2>(L.f > 0 ? tf.slice(X, [0, 0, L.f], [B, 2, L.e]) : X, [B, 2 * L.e])
          acts.push(a)
          for (const s of L.mats) {
            const w = param(s.w, [s.in, s.out] as [number, number])
            Ws.push(w)
            a = tf.fused.matMul({ a, b: w, bias: param(s.b, [s.out]), activation: 'relu' }) as tf.Tensor2D
            acts.push(a)
          }
          hM = param(T.hM, [T.hMSize, 1] as [number, number])
          z = z ? tf.add<tf.Tensor2D>(z, tf.matMul(a, hM)) : (tf.fused.matMul({ a, b: hM, bias: hb }) as tf.Tensor2D)
        }
        let dz: tf.Tensor2D
        let loss: tf.Tensor
        if (implicit) {
          // s = 1 - 2y turns binary cross-entropy into softplus(s z), with gradient s sigmoid(s z) / B
          const t = tf.mul<tf.Tensor2D>(z!, tf.tensor2d(signBuf.subarray(0, B), [B, 1]))
          loss = tf.mean(tf.softplus(t))
          dz = tf.mul(tf.sigmoid(t), tf.tensor2d(signScaledBuf.subarray(0, B), [B, 1]))
        } else {
          const r = tf.sub<tf.Tensor2D>(z!, tf.tensor2d(labBuf.subarray(0, B), [B, 1]))
          loss = tf.mean(tf.square(r))
          dz = tf.mul(r, 2 / B)
        }
        // Backward pass; plain matMuls with explicit transposes (transposed matMuls are slow on wasm).
        // Outer products are broadcast multiplies: the wasm matMul caches its packed right-hand side
        // by tensor id, so multiplying by a reshape of a tensor that already served as a right-hand
        // side (hM, hG above) would reuse the stale [n, 1] packing and return garbage.
        const grads: tf.Tensor[] = []
        const dzT = tf.reshape(dz, [1, B])
        let dX: tf.Tensor3D | undefined
        if (hM) {
          let da: tf.Tensor2D = tf.mul(dz, tf.reshape(hM, [1, T.hMSize]))
          const layerGrads: tf.Tensor[] = []
          for (let k = L.mats.length - 1; k >= 0; k--) {
            const dzk = tf.mul<tf.Tensor2D>(da, tf.step(acts[k + 1]!))
            layerGrads.push(tf.sum(dzk, 0), tf.matMul(tf.transpose(acts[k]!), dzk))
            da = tf.matMul(dzk, tf.transpose(Ws[k]!))
          }
          grads.push(...layerGrads.reverse())
          const dXM = tf.reshape<tf.Rank.R3>(da, [B, 2, L.e])
          dX = L.f > 0 ? tf.pad(dXM, [[0, 0], [0, 0], [L.f, 0]]) : dXM
        }
        if (P && hG) {
          const gh = tf.matMul(dzT, P)
          // the padding of the GMF output weights gets no gradient, so it stays zero
          grads.push(T.hGMask ? tf.mul(gh, tf.tensor2d(T.hGMask, [1, D])) : gh)
          // d(p_u ⊙ q_i)/dp_u = q_i and back: the gradient of each row is dg times the other row
          const dg = tf.reshape(tf.mul(dz, tf.reshape(hG, [1, D])), [B, 1, D])
          const dXG = tf.mul<tf.Tensor3D>(dg, tf.tensor3d(swapBuf!.subarray(0, 2 * B * D), [B, 2, D]))
          dX = dX ? tf.add<tf.Tensor3D>(dX, dXG) : dXG
        }
        if (hM) grads.push(tf.matMul(dzT, acts[acts.length - 1]!))
        grads.push(tf.sum(dz))
        return [dX!, ...grads, loss]
      })

    /** One training step on the batch in idxBuf/labBuf; returns the batch loss. */
    const step = (B: number): number => {
      let nRows = 0
      for (let j = 0; j < 2 * B; j++) {
        const r = idxBuf[j]!
        if (where[r]! < 0) {
          where[r] = nRows
          rowsBuf[nRows++] = r
        }
        local[j] = where[r]!
        xBuf.set(E.subarray(r * D, (r + 1) * D), j * D)
        swapBuf?.set(E.subarray(r * D, (r + 1) * D), (j ^ 1) * D)
      }
      for (let j = 0; j < nRows; j++) where[rowsBuf[j]!] = -1
      if (implicit) {
        for (let j = 0; j < B; j++) {
          signBuf[j] = 1 - 2 * labBuf[j]!
          signScaledBuf[j] = signBuf[j]! / B
        }
      }
      const out = gradients(B)
      const g = out[0]!.dataSync() as Float32Array
      for (let q = 1, o = 0; q < out.length - 1; q++) {
        const part = out[q]!.dataSync() as Float32Array
        gW.set(part, o)
        o += part.length
      }
      const loss = out[out.length - 1]!.dataSync()[0]!
      tf.dispose(out)
      // sum the gradients of repeated look-ups per distinct row
      gRows.fill(0, 0, nRows * D)
      for (let j = 0; j < 2 * B; j++) {
        const o = local[j]! * D
        for (let k = 0; k < D; k++) gRows[o + k]! += g[j * D + k]!
      }
      if (c.l2 > 0) {
        // weight decay on the embedding rows this batch touched and on all dense weights
        for (let q = 0; q < nRows; q++) {
          const r = rowsBuf[q]! * D
          for (let k = 0; k < D; k++) gRows[q * D + k]! += c.l2 * E[r + k]!
        }
        for (let k = 0; k < W.length; k++) gW[k]! += c.l2 * W[k]!
      }
      adamE.nextStep()
      for (let q = 0; q < nRows; q++) adamE.update(E, gRows, q * D, rowsBuf[q]! * D, D)
      adamW.nextStep()
      adamW.update(W, gW, 0, 0, W.length)
      return loss
    }

    const result = await trainEpochs({
      epochs: c.epochs,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      runEpoch: async () => {
        fillEpoch()
        let b = 0
        let sum = 0
        for (const rows of batcher.epoch()) {
          takeRows(pairs, rows, idxBuf, 2)
          takeRows(labels, rows, labBuf)
          sum += step(rows.length)
          if (++b % 512 === 0) throwIfAborted(opts.signal, `${this.name} training`)
        }
        const loss = sum / b
        if (!Number.isFinite(loss)) throw new RecForgeError('INVALID_ARGUMENT', `${this.name}: the training loss became ${loss}; lower learningRate (now ${c.learningRate})`)
        return { loss }
      },
    })
    this.w = { emb: E, dense: fromTraining(L, T, W) }
    this.itemFirstLayer = undefined
    this.lastFit = { ...result, backend: backend.name }
  }

  /** Item-side part of the first MLP layer (i_m · W1_bottom + b1) for every item, computed once. */
  private firstLayerItems(): Float32Array {
    if (this.itemFirstLayer) return this.itemFirstLayer
    const L = this.layout
    const { emb, dense } = this.w!
    const nU = this.numUsers
    const nI = this.numItems
    const m = L.mats[0]!
    const out = new Float32Array(nI * m.out)
    for (let i = 0; i < nI; i++) {
      const row = (nU + i) * L.D + L.f
      for (let o = 0; o < m.out; o++) {
        let s = dense[m.b + o]!
        for (let k = 0; k < L.e; k++) s += emb[row + k]! * dense[m.w + (L.e + k) * m.out + o]!
        out[i * m.out + o] = s
      }
    }
    this.itemFirstLayer = out
    return out
  }

  /** Scores of `items` (or every item when `items` is undefined) for `user`, written into `out`. */
  private scoreInto(user: number, items: Int32Array | undefined, out: Float32Array): void {
    const L = this.layout
    const { emb, dense } = this.w!
    const nU = this.numUsers
    const count = items ? items.length : this.numItems
    const uRow = user * L.D
    // GMF: sum_k p_uk q_ik h_k, with p_u ⊙ h precomputed
    const uh = new Float32Array(L.f)
    for (let k = 0; k < L.f; k++) uh[k] = emb[uRow + k]! * dense[L.h + k]!
    let itemPart: Float32Array | undefined
    let userPart: Float32Array | undefined
    const widest = L.mats.reduce((x, m) => Math.max(x, m.out), 1)
    const a = new Float32Array(widest)
    const b = new Float32Array(widest)
    if (L.e > 0) {
      itemPart = this.firstLayerItems()
      const m = L.mats[0]!
      userPart = new Float32Array(m.out)
      for (let o = 0; o < m.out; o++) {
        let s = 0
        for (let k = 0; k < L.e; k++) s += emb[uRow + L.f + k]! * dense[m.w + k * m.out + o]!
        userPart[o] = s
      }
    }
    const hb = dense[L.hb]!
    for (let j = 0; j < count; j++) {
      const i = items ? items[j]! : j
      let z = hb
      const iRow = (nU + i) * L.D
      for (let k = 0; k < L.f; k++) z += uh[k]! * emb[iRow + k]!
      if (userPart && itemPart) {
        const m0 = L.mats[0]!
        for (let o = 0; o < m0.out; o++) a[o] = Math.max(0, userPart[o]! + itemPart[i * m0.out + o]!)
        let cur = a
        let nxt = b
        for (let l = 1; l < L.mats.length; l++) {
          const m = L.mats[l]!
          for (let o = 0; o < m.out; o++) {
            let s = dense[m.b + o]!
            for (let k = 0; k < m.in; k++) s += cur[k]! * dense[m.w + k * m.out + o]!
            nxt[o] = s > 0 ? s : 0
          }
          const t = cur
          cur = nxt
          nxt = t
        }
        const last = L.mats[L.mats.length - 1]!.out
        for (let k = 0; k < last; k++) z += cur[k]! * dense[L.h + L.f + k]!
      }
      out[j] = z
    }
  }

  protected scoreAll(user: number, out: Float32Array): void {
    this.scoreInto(user, undefined, out)
  }

  override score(user: number, items: Int32Array): Float32Array {
    this.checkUser(user)
    this.checkItems(items)
    const out = new Float32Array(items.length)
    this.scoreInto(user, items, out)
    return out
  }

  override async save(): Promise<ModelArtifacts> {
    const base = this.baseArtifacts()
    const w = this.w!
    return {
      model: this.name,
      formatVersion: FORMAT_VERSION,
      config: { ...this.config, layers: [...this.config.layers] },
      meta: { ...base.meta, kind: this.kind },
      tensors: { ...base.tensors, embeddings: w.emb, dense: w.dense },
    }
  }

  /** Restores weights from artifacts into this (unfitted) model. */
  protected restore(a: ModelArtifacts): this {
    checkArtifacts(a, this.name, FORMAT_VERSION)
    this.restoreBase(a)
    const L = this.layout
    const emb = requireTensor(a, 'embeddings', Float32Array)
    const dense = requireTensor(a, 'dense', Float32Array)
    const rows = this.numUsers + this.numItems
    if (emb.length !== rows * L.D || dense.length !== L.total) {
      throw new RecForgeError('DIMENSION_MISMATCH', `${this.name} artifacts hold ${emb.length} embedding values and ${dense.length} dense weights; the config expects ${rows * L.D} and ${L.total}`)
    }
    this.w = { emb, dense }
    return this
  }

  /**
   * Saves the fitted model as a TensorFlow.js model directory (`model.json` + `weights.bin`,
   * written to a temporary directory and renamed into place).
   *
   * @example
   * ```ts
   * await model.saveTo('./models/neumf')
   * const again = await NeuMF.loadFrom('./models/neumf')
   * ```
   * @throws RecForgeError NOT_FITTED before fit; IO_ERROR when the directory cannot be written.
   */
  async saveTo(dir: string): Promise<void> {
    const { saveArtifactsDir } = await import('@recforge/tf/node')
    await saveArtifactsDir(dir, await this.save())
  }
}

function configFrom(a: ModelArtifacts): Partial<NCFConfig> {
  return a.config as Partial<NCFConfig>
}

async function loadDir(dir: string): Promise<ModelArtifacts> {
  const { loadArtifactsDir } = await import('@recforge/tf/node')
  return loadArtifactsDir(dir)
}

/**
 * Generalized matrix factorization: `sigmoid(h · (p_u ⊙ q_i) + b)`. Its scores are inner products,
 * so {@link GMF.itemVectors} and {@link GMF.userVector} serve it from a vector index.
 *
 * @example
 * ```ts
 * const gmf = new GMF({ factors: 16, epochs: 10 })
 * await gmf.fit(train)
 * gmf.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for out-of-range options.
 */
export class GMF extends NCFModel {
  readonly name = 'gmf'
  readonly kind = 'gmf'

  constructor(config: Partial<NCFConfig> = {}) {
    super('gmf', config)
  }

  /** Item embeddings (items × factors); `userVector(u) · itemVector(i)` + bias is the score. */
  itemVectors(): { vectors: Float32Array; dimensions: number } {
    const nU = this.numUsers
    const f = this.config.factors
    return { vectors: this.w!.emb.slice(nU * f, (nU + this.numItems) * f), dimensions: f }
  }

  /** The user's embedding scaled by the output weights, in the space of {@link itemVectors}. */
  userVector(user: number): Float32Array {
    this.checkUser(user)
    const f = this.config.factors
    const L = layoutOf('gmf', this.config)
    const out = new Float32Array(f)
    for (let k = 0; k < f; k++) out[k] = this.w!.emb[user * f + k]! * this.w!.dense[L.h + k]!
    return out
  }

  /**
   * Rebuilds a GMF from {@link GMF.save} artifacts.
   *
   * @example
   * ```ts
   * const again = await GMF.load(await gmf.save())
   * ```
   * @throws RecForgeError INVALID_ARGUMENT, UNSUPPORTED_VERSION, PARSE_ERROR or DIMENSION_MISMATCH for foreign or damaged artifacts.
   */
  static override async load(a: ModelArtifacts): Promise<GMF> {
    return new GMF(configFrom(a)).restore(a)
  }

  /**
   * Loads a model directory written by `saveTo`.
   *
   * @example
   * ```ts
   * const gmf = await GMF.loadFrom('./models/gmf')
   * ```
   * @throws RecForgeError IO_ERROR, PARSE_ERROR or UNSUPPORTED_VERSION.
   */
  static async loadFrom(dir: string): Promise<GMF> {
    return GMF.load(await loadDir(dir))
  }
}

/**
 * The NCF multi-layer perceptron over concatenated user and item embeddings (ReLU towers).
 *
 * @example
 * ```ts
 * const mlp = new MLP({ layers: [64, 32, 16, 8] })
 * await mlp.fit(train)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for out-of-range options.
 */
export class MLP extends NCFModel {
  readonly name = 'mlp'
  readonly kind = 'mlp'

  constructor(config: Partial<NCFConfig> = {}) {
    super('mlp', config)
  }

  /**
   * Rebuilds an MLP from {@link MLP.save} artifacts.
   *
   * @example
   * ```ts
   * const again = await MLP.load(await mlp.save())
   * ```
   * @throws RecForgeError INVALID_ARGUMENT, UNSUPPORTED_VERSION, PARSE_ERROR or DIMENSION_MISMATCH.
   */
  static override async load(a: ModelArtifacts): Promise<MLP> {
    return new MLP(configFrom(a)).restore(a)
  }

  /**
   * Loads a model directory written by `saveTo`.
   *
   * @example
   * ```ts
   * const mlp = await MLP.loadFrom('./models/mlp')
   * ```
   * @throws RecForgeError IO_ERROR, PARSE_ERROR or UNSUPPORTED_VERSION.
   */
  static async loadFrom(dir: string): Promise<MLP> {
    return MLP.load(await loadDir(dir))
  }
}

/**
 * Neural matrix factorization: GMF and MLP branches with separate embeddings, fused in one output
 * layer. With `pretrainEpochs > 0` it starts from a trained GMF and MLP, as in the paper.
 *
 * @example
 * ```ts
 * const neumf = new NeuMF({ factors: 8, layers: [64, 32, 16, 8], epochs: 20 })
 * await neumf.fit(train, { seed: 42 })
 * neumf.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for out-of-range options.
 */
export class NeuMF extends NCFModel {
  readonly name = 'neumf'
  readonly kind = 'neumf'

  constructor(config: Partial<NCFConfig> = {}) {
    super('neumf', config)
  }

  /**
   * Rebuilds a NeuMF from {@link NeuMF.save} artifacts.
   *
   * @example
   * ```ts
   * const again = await NeuMF.load(await neumf.save())
   * ```
   * @throws RecForgeError INVALID_ARGUMENT, UNSUPPORTED_VERSION, PARSE_ERROR or DIMENSION_MISMATCH.
   */
  static override async load(a: ModelArtifacts): Promise<NeuMF> {
    return new NeuMF(configFrom(a)).restore(a)
  }

  /**
   * Loads a model directory written by `saveTo`.
   *
   * @example
   * ```ts
   * const neumf = await NeuMF.loadFrom('./models/neumf')
   * ```
   * @throws RecForgeError IO_ERROR, PARSE_ERROR or UNSUPPORTED_VERSION.
   */
  static async loadFrom(dir: string): Promise<NeuMF> {
    return NeuMF.load(await loadDir(dir))
  }
}
