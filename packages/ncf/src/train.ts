import { Random, RecForgeError, nnz, sortedHas, throwIfAborted, type FitOptions, type Interactions } from '@recforge/core'
import { Adam, glorotUniform } from '@recforge/compute'
import { Batcher, takeRows, tf, trainEpochs, type TrainEpochsResult } from '@recforge/tf'
import { fromTraining, toTraining, trainingLayoutOf, type Layout, type TrainingLayout, type Weights } from './layout'
import type { NCFTrainingConfig } from './params'

/** Fresh weights from the seeded generator: N(0, 0.01) embeddings, Glorot-uniform dense layers. */
function initialWeights(L: Layout, rows: number, rng: Random, outputBias: number): Weights {
  const emb = rng.fillNormal(new Float32Array(rows * L.D), 0, 0.01) as Float32Array
  const dense = new Float32Array(L.total)
  for (const m of L.mats) glorotUniform(dense, m.in, m.out, rng, m.w, m.in * m.out)
  glorotUniform(dense, L.hSize, 1, rng, L.h, L.hSize)
  dense[L.hb] = outputBias
  return { emb, dense }
}

/**
 * The rows of one epoch: (user, nU + item) pairs and their labels. Implicit: every interaction
 * is a positive followed by `negatives` items the user never interacted with, sampled anew each
 * epoch; explicit: the interactions with their ratings.
 */
class EpochRows {
  readonly pairs: Int32Array
  readonly labels: Float32Array
  private readonly sorted: Int32Array

  constructor(
    private readonly data: Interactions,
    private readonly negatives: number,
    private readonly implicit: boolean,
  ) {
    const n = nnz(data)
    const R = n * (implicit ? 1 + negatives : 1)
    this.pairs = new Int32Array(2 * R)
    this.labels = new Float32Array(R)
    this.sorted = new Int32Array(data.indices.subarray(0, n))
    for (let u = 0; u < data.users.size; u++) this.sorted.subarray(data.indptr[u]!, data.indptr[u + 1]!).sort()
  }

  get size(): number {
    return this.labels.length
  }

  fill(rng: Random): void {
    const { data, pairs, labels, implicit, negatives } = this
    const nU = data.users.size
    const nI = data.items.size
    let r = 0
    for (let u = 0; u < nU; u++) {
      const a = data.indptr[u]!
      const b = data.indptr[u + 1]!
      const row = this.sorted.subarray(a, b)
      const full = b - a >= nI
      for (let k = a; k < b; k++) {
        pairs[2 * r] = u
        pairs[2 * r + 1] = nU + data.indices[k]!
        labels[r++] = implicit ? 1 : data.values[k]!
        if (!implicit) continue
        for (let t = 0; t < negatives; t++) {
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
}

/**
 * One training step's state. The embedding table (each row [GMF part | MLP part]), the dense
 * weights and their Adam moments live in typed arrays. A step uploads the batch's rows and the
 * dense weights, runs the hand-differentiated forward and backward pass on the backend, reads the
 * gradients back in one transfer and applies Adam in place: lazily to the embedding rows the batch
 * touched (as TensorFlow's LazyAdam and PyTorch's SparseAdam), fully to the dense weights. No
 * tensor outlives its step and the cost of a step does not depend on the catalogue size.
 */
class Step {
  readonly E: Float32Array
  readonly W: Float32Array
  readonly T: TrainingLayout
  private readonly adamE: Adam<Float32Array>
  private readonly adamW: Adam<Float32Array>
  readonly idxBuf: Int32Array
  readonly labBuf: Float32Array
  // distinct embedding rows of a batch, and where each of the 2B look-ups lands among them
  private readonly rowsBuf: Int32Array
  private readonly local: Int32Array
  private readonly where: Int32Array
  private readonly xBuf: Float32Array
  private readonly swapBuf: Float32Array | undefined
  private readonly gRows: Float32Array
  private readonly gW: Float32Array
  private readonly signBuf: Float32Array
  private readonly signScaledBuf: Float32Array

  constructor(
    private readonly L: Layout,
    private readonly c: NCFTrainingConfig,
    w0: Weights,
    rows: number,
  ) {
    const D = L.D
    const B0 = c.batchSize
    this.T = trainingLayoutOf(L)
    this.E = Float32Array.from(w0.emb)
    this.W = toTraining(L, this.T, w0.dense)
    this.adamE = new Adam(this.E, { learningRate: c.learningRate })
    this.adamW = new Adam(this.W, { learningRate: c.learningRate })
    this.idxBuf = new Int32Array(2 * B0)
    this.labBuf = new Float32Array(B0)
    this.rowsBuf = new Int32Array(2 * B0)
    this.local = new Int32Array(2 * B0)
    this.where = new Int32Array(rows).fill(-1)
    this.xBuf = new Float32Array(2 * B0 * D)
    this.swapBuf = L.f > 0 ? new Float32Array(2 * B0 * D) : undefined
    this.gRows = new Float32Array(2 * B0 * D)
    this.gW = new Float32Array(this.W.length)
    this.signBuf = new Float32Array(B0)
    this.signScaledBuf = new Float32Array(B0)
  }

  /** The trained weights in the stored layout. */
  weights(): Weights {
    return { emb: this.E, dense: fromTraining(this.L, this.T, this.W) }
  }

  /**
   * Forward and backward pass of one batch: the gradient of X (B×2×D), the gradients of the dense
   * weights in their layout order, and the loss. Each weight is uploaded as its own tensor and
   * each result read back on its own, which costs fewer kernel launches than slicing and
   * concatenating one flat tensor.
   */
  private gradients(B: number): tf.Tensor[] {
    const { L, T, W } = this
    const D = L.D
    const implicit = this.c.objective === 'implicit'
    return tf.tidy(() => {
      const param = <S extends [number, number] | [number]>(off: number, shape: S): S extends [number, number] ? tf.Tensor2D : tf.Tensor1D =>
        tf.tensor(W.subarray(off, off + shape.reduce((x, y) => x * y, 1)), shape, 'float32') as never
      const hb = param(T.hb, [1])
      // X[b] = [user row; item row], each [GMF part | MLP part]
      const X = tf.tensor3d(this.xBuf.subarray(0, 2 * B * D), [B, 2, D])
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
        const t = tf.mul<tf.Tensor2D>(z!, tf.tensor2d(this.signBuf.subarray(0, B), [B, 1]))
        loss = tf.mean(tf.softplus(t))
        dz = tf.mul(tf.sigmoid(t), tf.tensor2d(this.signScaledBuf.subarray(0, B), [B, 1]))
      } else {
        const r = tf.sub<tf.Tensor2D>(z!, tf.tensor2d(this.labBuf.subarray(0, B), [B, 1]))
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
        const dXG = tf.mul<tf.Tensor3D>(dg, tf.tensor3d(this.swapBuf!.subarray(0, 2 * B * D), [B, 2, D]))
        dX = dX ? tf.add<tf.Tensor3D>(dX, dXG) : dXG
      }
      if (hM) grads.push(tf.matMul(dzT, acts[acts.length - 1]!))
      grads.push(tf.sum(dz))
      return [dX!, ...grads, loss]
    })
  }

  /** One training step on the batch in idxBuf/labBuf; returns the batch loss. */
  run(B: number): number {
    const { E, W, idxBuf, labBuf, rowsBuf, local, where, xBuf, swapBuf, gRows, gW, signBuf, signScaledBuf } = this
    const D = this.L.D
    const l2 = this.c.l2
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
    if (this.c.objective === 'implicit') {
      for (let j = 0; j < B; j++) {
        signBuf[j] = 1 - 2 * labBuf[j]!
        signScaledBuf[j] = signBuf[j]! / B
      }
    }
    const out = this.gradients(B)
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
    if (l2 > 0) {
      // weight decay on the embedding rows this batch touched and on all dense weights
      for (let q = 0; q < nRows; q++) {
        const r = rowsBuf[q]! * D
        for (let k = 0; k < D; k++) gRows[q * D + k]! += l2 * E[r + k]!
      }
      for (let k = 0; k < W.length; k++) gW[k]! += l2 * W[k]!
    }
    this.adamE.step()
    this.adamE.updateRows(E, gRows, rowsBuf, nRows, D)
    this.adamW.step()
    this.adamW.update(W, gW, 0, 0, W.length)
    return loss
  }
}

/**
 * Trains an NCF network of layout `L` on `data` from `init` (pretrained weights) or from fresh
 * seeded weights: the CPU-side loop of every NCF model.
 *
 * @throws RecForgeError INVALID_ARGUMENT when the loss stops being finite; ABORTED when the signal fires.
 */
export async function trainNetwork(
  name: string,
  data: Interactions,
  c: NCFTrainingConfig,
  L: Layout,
  seed: number,
  init: Weights | undefined,
  opts: FitOptions,
): Promise<{ weights: Weights; result: TrainEpochsResult }> {
  const nU = data.users.size
  const rows = nU + data.items.size
  const n = nnz(data)
  const rng = new Random(seed)
  const implicit = c.objective === 'implicit'
  let meanRating = 0
  for (let k = 0; k < n; k++) meanRating += data.values[k]!
  meanRating /= n
  const w0 = init ?? initialWeights(L, rows, rng, implicit ? 0 : meanRating)
  const epoch = new EpochRows(data, c.negatives, implicit)
  const step = new Step(L, c, w0, rows)
  const batcher = new Batcher({ size: epoch.size, batchSize: c.batchSize, seed: rng.uint32() })
  const result = await trainEpochs({
    epochs: c.epochs,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    runEpoch: async () => {
      epoch.fill(rng)
      let b = 0
      let sum = 0
      for (const batch of batcher.epoch()) {
        takeRows(epoch.pairs, batch, step.idxBuf, 2)
        takeRows(epoch.labels, batch, step.labBuf)
        sum += step.run(batch.length)
        if (++b % 512 === 0) throwIfAborted(opts.signal, `${name} training`)
      }
      const loss = sum / b
      if (!Number.isFinite(loss)) throw new RecForgeError('INVALID_ARGUMENT', `${name}: the training loss became ${loss}; lower learningRate (now ${c.learningRate})`)
      return { loss }
    },
  })
  return { weights: step.weights(), result }
}
