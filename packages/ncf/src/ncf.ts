import {
  BaseRecommender,
  RecForgeError,
  requireTensor,
  type FitOptions,
  type Interactions,
  type ModelArtifacts,
  type ModelState,
  type RecommenderClass,
} from '@recforge/core'
import { ensureBackend, type TrainEpochsResult } from '@recforge/tf'
import { layoutOf, type Layout, type Weights } from './layout'
import {
  FOREIGN_V1_KEYS,
  GMF_PARAMS,
  MLP_PARAMS,
  NEUMF_PARAMS,
  networkShape,
  trainingConfig,
  type GMFConfig,
  type MLPConfig,
  type NCFConfig,
  type NCFKind,
  type NeuMFConfig,
} from './params'
import { NCFScorer } from './scoring'
import { trainNetwork } from './train'

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
export abstract class NCFModel<C extends NCFConfig = NCFConfig> extends BaseRecommender<C, NCFFitReport> {
  abstract readonly kind: NCFKind
  private scorer: NCFScorer | undefined
  protected readonly layout: Layout

  /** @throws RecForgeError INVALID_ARGUMENT for out-of-range or unknown options (the class's `params`), or an odd first layer. */
  constructor(config: Partial<C> = {}) {
    super(config)
    this.layout = layoutOf(networkShape((new.target as typeof NCFModel).kindOf, this.config as C))
  }

  /** The trained weights. */
  protected get weights(): Weights {
    this.requireFitted()
    return this.scorer!.weights
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    const seed = opts.seed ?? this.config.seed
    const backend = await ensureBackend()
    const init = await this.initialWeights(data, opts, seed)
    const { weights, result } = await trainNetwork(this.name, data, trainingConfig(this.config), this.layout, seed, init, opts)
    this.scorer = new NCFScorer(this.layout, weights, data.users.size, data.items.size)
    this.fitReport = { ...result, backend: backend.name }
  }

  /** Weights to start training from; `undefined` for fresh seeded ones (NeuMF overrides it for pretraining). */
  protected async initialWeights(_data: Interactions, _opts: FitOptions, _seed: number): Promise<Weights | undefined> {
    return undefined
  }

  protected scoreAll(user: number, out: Float32Array): void {
    this.scorer!.scoreInto(user, undefined, out)
  }

  override score(user: number, items: Int32Array): Float32Array {
    this.checkUser(user)
    this.checkItems(items)
    const out = new Float32Array(items.length)
    this.scorer!.scoreInto(user, items, out)
    return out
  }

  protected override saveState(): ModelState {
    const w = this.weights
    return { meta: { kind: this.kind }, tensors: { embeddings: w.emb, dense: w.dense } }
  }

  protected override restoreState(a: ModelArtifacts): void {
    const L = this.layout
    const emb = requireTensor(a, 'embeddings', Float32Array)
    const dense = requireTensor(a, 'dense', Float32Array)
    const rows = this.numUsers + this.numItems
    if (emb.length !== rows * L.D) throw new RecForgeError('PARSE_ERROR', `${this.name} artifacts: tensor "embeddings" holds ${emb.length} values; ${rows} users and items × ${L.D} need ${rows * L.D}`)
    if (dense.length !== L.total) throw new RecForgeError('PARSE_ERROR', `${this.name} artifacts: tensor "dense" holds ${dense.length} values; the config's layers need ${L.total}`)
    this.scorer = new NCFScorer(L, { emb, dense }, this.numUsers, this.numItems)
  }

  /** Format 1 configs held the parameters of all three models; each model drops the others'. */
  static override upgradeConfig(config: Readonly<Record<string, unknown>>, version: number): Record<string, unknown> {
    const out = { ...config }
    if (version === 1) for (const key of FOREIGN_V1_KEYS[this.kindOf]) delete out[key]
    return out
  }

  /** The kind whose parameters a saved config keeps (see `upgradeConfig`). */
  static readonly kindOf: NCFKind = 'neumf'

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

  /**
   * Loads a model directory written by `saveTo` into the class it is called on.
   *
   * @example
   * ```ts
   * const neumf = await NeuMF.loadFrom('./models/neumf')
   * ```
   * @throws RecForgeError IO_ERROR, PARSE_ERROR or UNSUPPORTED_VERSION; INVALID_ARGUMENT for a directory of another model.
   */
  static async loadFrom<M extends NCFModel>(this: RecommenderClass<M>, dir: string): Promise<M> {
    const { loadArtifactsDir } = await import('@recforge/tf/node')
    const load: (this: RecommenderClass<M>, artifacts: ModelArtifacts) => Promise<M> = BaseRecommender.load
    return load.call(this, await loadArtifactsDir(dir))
  }
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
 * @throws RecForgeError INVALID_ARGUMENT for out-of-range or unknown options, naming the parameter.
 */
export class GMF extends NCFModel<GMFConfig> {
  static override readonly params = GMF_PARAMS
  readonly name = 'gmf'
  readonly kind = 'gmf'
  static override readonly kindOf: NCFKind = 'gmf'

  /** Item embeddings (items × factors); `userVector(u) · itemVector(i)` + bias is the score. */
  itemVectors(): { vectors: Float32Array; dimensions: number } {
    const nU = this.numUsers
    const f = this.config.factors
    return { vectors: this.weights.emb.slice(nU * f, (nU + this.numItems) * f), dimensions: f }
  }

  /** The user's embedding scaled by the output weights, in the space of {@link itemVectors}. */
  userVector(user: number): Float32Array {
    this.checkUser(user)
    const f = this.config.factors
    const { emb, dense } = this.weights
    const out = new Float32Array(f)
    for (let k = 0; k < f; k++) out[k] = emb[user * f + k]! * dense[this.layout.h + k]!
    return out
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
 * @throws RecForgeError INVALID_ARGUMENT for out-of-range or unknown options, or an odd first layer.
 */
export class MLP extends NCFModel<MLPConfig> {
  static override readonly params = MLP_PARAMS
  readonly name = 'mlp'
  readonly kind = 'mlp'
  static override readonly kindOf: NCFKind = 'mlp'
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
 * @throws RecForgeError INVALID_ARGUMENT for out-of-range or unknown options, or an odd first layer.
 */
export class NeuMF extends NCFModel<NeuMFConfig> {
  static override readonly params = NEUMF_PARAMS
  readonly name = 'neumf'
  readonly kind = 'neumf'

  /** With `pretrainEpochs > 0`: trains GMF and MLP with this model's settings and fuses their weights (alpha-weighted output layer). */
  protected override async initialWeights(data: Interactions, opts: FitOptions, seed: number): Promise<Weights | undefined> {
    const c = this.config
    if (c.pretrainEpochs === 0) return undefined
    const training = { ...trainingConfig(c), epochs: c.pretrainEpochs }
    const stage = (name: string): FitOptions => ({
      ...opts,
      ...(opts.onProgress ? { onProgress: (e: Parameters<NonNullable<FitOptions['onProgress']>>[0]) => opts.onProgress!({ ...e, stage: `${name} ${e.stage}` }) } : {}),
    })
    const LG = layoutOf({ kind: 'gmf', factors: c.factors, layers: c.layers })
    const LM = layoutOf({ kind: 'mlp', factors: c.factors, layers: c.layers })
    const G = (await trainNetwork('gmf', data, training, LG, seed, undefined, stage('pretrain gmf'))).weights
    const M = (await trainNetwork('mlp', data, training, LM, seed + 1, undefined, stage('pretrain mlp'))).weights
    const L = this.layout
    const rows = data.users.size + data.items.size
    const emb = new Float32Array(rows * L.D)
    for (let r = 0; r < rows; r++) {
      emb.set(G.emb.subarray(r * L.f, (r + 1) * L.f), r * L.D)
      emb.set(M.emb.subarray(r * L.e, (r + 1) * L.e), r * L.D + L.f)
    }
    const dense = new Float32Array(L.total)
    dense.set(M.dense.subarray(0, LM.h), 0)
    const a = c.alpha
    for (let k = 0; k < L.f; k++) dense[L.h + k] = a * G.dense[LG.h + k]!
    for (let k = 0; k < LM.hSize; k++) dense[L.h + L.f + k] = (1 - a) * M.dense[LM.h + k]!
    dense[L.hb] = a * G.dense[LG.hb]! + (1 - a) * M.dense[LM.hb]!
    return { emb, dense }
  }
}
