import {
  BaseRecommender,
  Random,
  RecForgeError,
  defineParams,
  param,
  requireTensor,
  throwIfAborted,
  validateInteractions,
  type ConfigOf,
  type FitOptions,
  type Interactions,
  type ModelArtifacts,
  type ModelState,
} from '@recforge/core'
import { Adam } from '@recforge/compute'
import { TripleSampler, batchLossAndGrad, stepWork, triples } from './internal/bpr'
import { edgeCount, layerMean, normalizedGraph } from './internal/graph'

/** The parameters of {@link LightGCN} (the `lightgcn` model). */
export const LIGHTGCN_PARAMS = defineParams({
  factors: param.int({ default: 64, min: 1, description: 'embedding dimensions' }),
  layers: param.int({ default: 3, min: 0, description: 'propagation layers K (0 = matrix factorisation with BPR)' }),
  epochs: param.int({ default: 100, min: 0, description: 'epochs; each draws as many (user, positive, negative) triples as the graph has edges' }),
  batchSize: param.int({ default: 8192, min: 1, description: 'triples per Adam step (the whole graph is propagated once per step, so an epoch costs about edges / batchSize propagations)' }),
  learningRate: param.float({ default: 0.01, min: 0, exclusiveMin: true, description: 'Adam step size' }),
  l2: param.float({ default: 0.0001, min: 0, description: 'L2 penalty on the layer-0 embeddings of each batch, per triple' }),
  initStd: param.float({ default: 0.1, min: 0, description: 'standard deviation of the normal initial embeddings' }),
  seed: param.int({ default: 42, description: 'seed of initialisation and sampling' }),
})

/** The configuration of {@link LightGCN}: see {@link LIGHTGCN_PARAMS}. */
export type LightGCNConfig = ConfigOf<typeof LIGHTGCN_PARAMS>

/** Per-epoch figures of the last {@link LightGCN.fit}. */
export interface LightGCNFitReport {
  /** Wall seconds of each epoch. */
  readonly epochSeconds: readonly number[]
  /** Mean BPR loss (without the penalty) of each epoch. */
  readonly losses: readonly number[]
}

const dot = (a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number => {
  let s = 0
  for (let f = 0; f < d; f++) s += a[ao + f]! * b[bo + f]!
  return s
}

/**
 * LightGCN (He et al. 2020): user and item embeddings smoothed over the normalised user-item
 * graph, `E⁽ᵏ⁺¹⁾ = D^-1/2 A D^-1/2 E⁽ᵏ⁾`, combined as the mean of the layers `E = Σ_k E⁽ᵏ⁾/(K+1)`,
 * scored by inner product and trained with BPR and Adam. Each step propagates the whole graph as
 * sparse products over CSR (never a dense adjacency) and maps the gradient back through the same
 * products (Â is symmetric). The combined embeddings are exported by {@link LightGCN.itemVectors}
 * and {@link LightGCN.userVector}, so an inner-product vector index serves the same ranking.
 *
 * @example
 * ```ts
 * const gcn = new LightGCN({ factors: 64, layers: 3, epochs: 100 })
 * await gcn.fit(train)
 * gcn.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an out-of-range or unknown option; at fit when the
 *   catalogue has fewer than 2 items.
 */
export class LightGCN extends BaseRecommender<LightGCNConfig, LightGCNFitReport> {
  static override readonly params = LIGHTGCN_PARAMS
  readonly name = 'lightgcn'
  private users: Float32Array | undefined
  private items: Float32Array | undefined

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    validateInteractions(data)
    const { factors: d, layers, epochs, batchSize, learningRate, l2, initStd } = this.config
    const nu = data.users.size
    const ni = data.items.size
    if (ni < 2) throw new RecForgeError('INVALID_ARGUMENT', `lightgcn needs at least 2 items to sample negatives; got ${ni}`)
    const g = normalizedGraph(data)
    const nodes = nu + ni
    const rng = new Random(opts.seed ?? this.config.seed)
    const ego = rng.fillNormal(new Float32Array(nodes * d), 0, initStd) as Float32Array
    const egoGrad = new Float32Array(nodes * d)
    const work = stepWork(nodes, d)
    const adam = new Adam(ego, { learningRate })
    const sampler = new TripleSampler(g)
    const samples = edgeCount(g)
    const batch = triples(batchSize)
    const epochSeconds: number[] = []
    const losses: number[] = []
    const publish = (): void => {
      const combined = work.combined
      layerMean(g, ego, layers, d, combined, work.buf)
      this.users = combined.slice(0, nu * d)
      this.items = combined.slice(nu * d)
      this.fitReport = { epochSeconds: epochSeconds.slice(), losses: losses.slice() }
    }
    for (let ep = 0; ep < epochs && sampler.users > 0; ep++) {
      const t0 = performance.now()
      let lossSum = 0
      for (let start = 0; start < samples; start += batchSize) {
        throwIfAborted(opts.signal, 'LightGCN fit')
        const b = Math.min(batchSize, samples - start)
        sampler.draw(rng, batch, b)
        lossSum += batchLossAndGrad(g, ego, layers, d, batch, l2, work, egoGrad).bpr * b
        adam.step()
        adam.update(ego, egoGrad, 0, 0, ego.length)
      }
      const seconds = (performance.now() - t0) / 1000
      epochSeconds.push(seconds)
      losses.push(lossSum / samples)
      const metrics = { loss: lossSum / samples, seconds }
      opts.onProgress?.({ stage: 'epoch', current: ep + 1, total: epochs, metrics })
      await this.epochDone(data, opts, ep + 1, epochs, metrics, publish)
      // let timers and abort signals through between epochs
      await new Promise<void>((resolve) => setTimeout(resolve, 0))
    }
    publish()
  }

  protected scoreAll(user: number, out: Float32Array): void {
    const d = this.config.factors
    const v = this.items!
    const u = this.users!
    const ou = user * d
    for (let i = 0; i < out.length; i++) out[i] = dot(u, ou, v, i * d, d)
  }

  /**
   * The combined (layer-mean) item embeddings, row-major items × factors: the inner product with
   * {@link LightGCN.userVector} is the model's score, so an `ip` vector index ranks the same way.
   *
   * @example
   * ```ts
   * const { vectors, dimensions } = gcn.itemVectors()
   * index.add(Int32Array.from({ length: vectors.length / dimensions }, (_, i) => i), vectors)
   * ```
   * @throws RecForgeError NOT_FITTED before `fit` or `load`.
   */
  itemVectors(): { vectors: Float32Array; dimensions: number } {
    this.requireFitted()
    return { vectors: this.items!.slice(), dimensions: this.config.factors }
  }

  /**
   * The combined embedding of a training user (a copy).
   *
   * @throws RecForgeError UNKNOWN_ID for a user outside the training vocabulary; NOT_FITTED before `fit`.
   */
  userVector(user: number): Float32Array {
    this.checkUser(user)
    const d = this.config.factors
    return this.users!.slice(user * d, (user + 1) * d)
  }

  protected override saveState(): ModelState {
    return { tensors: { userEmbeddings: this.users!, itemEmbeddings: this.items! } }
  }

  protected override restoreState(a: ModelArtifacts): void {
    const d = this.config.factors
    const users = requireTensor(a, 'userEmbeddings', Float32Array)
    const items = requireTensor(a, 'itemEmbeddings', Float32Array)
    if (users.length !== this.numUsers * d) throw new RecForgeError('PARSE_ERROR', `lightgcn artifacts: userEmbeddings has ${users.length} values; expected ${this.numUsers} users × ${d} factors`)
    if (items.length !== this.numItems * d) throw new RecForgeError('PARSE_ERROR', `lightgcn artifacts: itemEmbeddings has ${items.length} values; expected ${this.numItems} items × ${d} factors`)
    this.users = users
    this.items = items
  }
}
