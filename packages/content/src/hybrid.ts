import {
  BaseRecommender,
  RecForgeError,
  defineParams,
  itemCounts,
  nestArtifacts,
  param,
  renameParams,
  requireTensor,
  resolveConfig,
  resolveParams,
  throwIfAborted,
  unnestArtifacts,
  type ConfigOf,
  type FitOptions,
  type Interactions,
  type ModelArtifacts,
  type ModelDefinition,
  type ModelState,
  type ParamValues,
  type Recommender,
  type RecommenderClass,
} from '@recforge/core'
import { LinearProjection } from '@recforge/encoders'
import { CONTENT_PARAMS, ContentSpaceRecommender, buildContentSpace, contentUserVectors, type ContentRuntime } from './content'
import { BLEND_FEATURES, BLEND_LEVELS, blendBucket, blendNdcg, carveValidation, compactCase, searchBlend, type BlendCase, type ValidationSlice } from './internal/blend'
import { matVec, standardize } from './internal/vectors'

/** The parameters of {@link HybridRecommender} (the `hybrid` model): those of `content`, and the CF model and blend. */
export const HYBRID_PARAMS = defineParams({
  ...CONTENT_PARAMS,
  cf: param.enumOf({ values: ['als', 'bpr'], default: 'als', description: 'collaborative-filtering model from @recforge/mf' }),
  factors: param.int({ default: 64, min: 1, description: 'latent factors of the CF model' }),
  blend: param.enumOf({
    values: ['learned', 'evidence'],
    default: 'learned',
    description: 'learned: CF/content/popularity weights per user-evidence bucket from a validation slice; evidence: the fixed n/(n + userWarmup) rule',
  }),
  validationFraction: param.float({ default: 0.3, min: 0, exclusiveMin: true, max: 1, description: 'share of the users cut down for the validation slice (blend=learned)' }),
  validationUsers: param.int({ default: 300, min: 1, description: 'at most this many validation users of each kind: cut to new-user evidence, and warm (80% kept)' }),
  cfWeight: param.float({ default: 0.8, min: 0, max: 1, description: 'blend=evidence: largest share of the score given to CF (fully warm user and item)' }),
  itemWarmup: param.float({ default: 5, min: 0, description: "interactions at which an item is half warm: its CF score's weight is n/(n + itemWarmup), the projection's the rest" }),
  userWarmup: param.float({ default: 5, min: 0, description: 'blend=evidence: interactions at which a user is half warm, n/(n + userWarmup)' }),
  projection: param.bool({ default: true, description: 'learn a projection from content vectors to CF item vectors, so new items get CF scores' }),
  l2: param.float({ default: 10, min: 0, description: 'l2 (ridge) penalty of that projection' }),
  seed: param.int({ default: 42, description: 'seed of the CF model and of the validation slice' }),
})

/** The configuration of {@link HybridRecommender}: see {@link HYBRID_PARAMS}. */
export type HybridConfig = ConfigOf<typeof HYBRID_PARAMS>

/** Runtime objects of {@link HybridRecommender} (not parameters, never saved). */
export interface HybridRuntime extends ContentRuntime {
  /** Makes the CF model (any recommender; fitted by the hybrid) instead of ALS or BPR from `@recforge/mf`. */
  readonly cf?: () => Recommender<object>
  /** Rebuilds a saved CF model that did not come from `@recforge/mf` (the load side of `cf`). */
  readonly loadCf?: (artifacts: ModelArtifacts) => Promise<Recommender<object>>
}

/** Cut-off of the ndcg the blend is learned on. */
const BLEND_K = 10
/** Weight of the neighbouring buckets' validation users when a bucket's blend is searched. */
const NEIGHBOUR_WEIGHT = 0.5

/** z-scored log(1 + count) per item. */
function popularityFeature(itemN: Int32Array): Float32Array {
  const x = Float32Array.from(itemN, (n) => Math.log1p(n))
  standardize(x)
  return x
}

/** An item's share of its own CF score: n/(n + warmup), 0 for an item with no interactions. */
function itemWarmth(n: number, warmup: number): number {
  return n === 0 ? 0 : n / (n + warmup)
}

function blendTensor(b: HybridBlend): Float32Array {
  return Float32Array.from(b.weights.flatMap((w) => [w.cf, w.content, w.popularity]))
}

interface MfModule {
  mfModels: readonly ModelDefinition[]
}

async function mfDefinition(name: string): Promise<ModelDefinition> {
  let mod: MfModule
  try {
    mod = (await import('@recforge/mf')) as unknown as MfModule
  } catch (e) {
    throw new RecForgeError('MISSING_DEPENDENCY', `hybrid: the CF model "${name}" comes from @recforge/mf, which could not be loaded; add it with \`npm i @recforge/mf\``, { cause: e })
  }
  const def = mod.mfModels.find((d) => d.name === name)
  if (!def) throw new RecForgeError('INVALID_ARGUMENT', `hybrid: @recforge/mf has no model "${name}"; it has ${mod.mfModels.map((d) => d.name).join(', ')}`)
  return def
}

async function createCf(name: string, params: ParamValues): Promise<Recommender<object>> {
  const def = await mfDefinition(name)
  return def.create(resolveParams(def, params))
}

/** The pieces one set of scores is computed from: a fitted CF model, content profiles, counts. */
interface Parts {
  readonly cf: Recommender<object>
  readonly userVectors: Float32Array
  readonly itemN: Int32Array
  readonly userN: Int32Array
  /** z-scored log(1 + item count): the popularity feature. */
  readonly popularity: Float32Array
  readonly projection: LinearProjection | undefined
  readonly projected: Float32Array | undefined
}

/** The learned blend: one weight per feature (cf, content, popularity) for each evidence bucket. */
export interface HybridBlend {
  /** Lower edges of the buckets, in training interactions per user. */
  readonly levels: readonly number[]
  /** Weights of each bucket, summing to 1. */
  readonly weights: readonly { readonly cf: number; readonly content: number; readonly popularity: number }[]
  /** Validation users in each bucket (its neighbours' count at half weight in its search; 0: weights from the nearest buckets that had some). */
  readonly users: readonly number[]
  /** ndcg@10 of the chosen weights on each bucket's validation users, and of CF alone. */
  readonly ndcg: readonly number[]
  readonly cfNdcg: readonly number[]
}

/**
 * Hybrid recommender: collaborative filtering, content similarity and item popularity blended per
 * user by evidence. Each score is `w_cf·z(cf) + w_content·z(content) + w_pop·z(log(1 + n_i))`
 * (z: standardised over the catalogue for the user). With `blend: 'learned'` (the default) the
 * weights come from a validation slice of the training data: a share of the users is cut down to
 * 1, 2, 3, 5, 10 earliest interactions (or 80% of theirs, for warm users), a second CF model is
 * fitted on that, and for each evidence bucket the weights with the best ndcg@10 on what those
 * users lost are kept; the search starts at CF alone. `blend: 'evidence'` uses the fixed rule
 * `a = cfWeight · n_u/(n_u + userWarmup)` between CF and content. With `projection`, a ridge map
 * learned on warm items carries content vectors into the CF item space, giving new items CF-like
 * scores (the alignment of content and CF vectors in one space), mixed in by `itemWarmup`.
 *
 * @example
 * ```ts
 * const model = new HybridRecommender({ encoder: 'use', cf: 'als', factors: 64 })
 * await model.fit(train, { itemInfo })
 * model.recommend(0, { k: 10 })
 * model.blend // the learned weights per evidence bucket
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a bad or unknown option, or missing item text; MISSING_DEPENDENCY without @recforge/mf.
 */
export class HybridRecommender extends ContentSpaceRecommender<HybridConfig> {
  readonly name = 'hybrid'
  /** 2: the learned blend (`blend` config, `meta.blend`, `blendWeights`); format 1 reads as `blend: 'evidence'`. */
  static override readonly formatVersion = 2
  private parts: Parts | undefined
  private learned: HybridBlend | undefined
  private allItems = new Int32Array(0)
  private readonly runtime: HybridRuntime

  constructor(config: Partial<HybridConfig> = {}, runtime: HybridRuntime = {}) {
    super(resolveConfig(HYBRID_PARAMS, config, { model: 'hybrid' }))
    this.runtime = runtime
  }

  /** Saved configs: before format 2 there was no learned blend; `cfFactors` and `ridge` are now `factors` and `l2`. */
  static override upgradeConfig(config: Readonly<Record<string, unknown>>, version: number): Record<string, unknown> {
    const renamed = renameParams(config, { cfFactors: 'factors', ridge: 'l2' })
    return version < 2 ? { ...renamed, blend: 'evidence' } : renamed
  }

  /**
   * Rebuilds a saved hybrid with its CF part and learned blend; no encoder runs. `runtime.loadCf`
   * rebuilds a CF model that did not come from `@recforge/mf`. Format 1 (before the learned blend)
   * loads with `blend: 'evidence'`, scoring as it did.
   *
   * @example
   * ```ts
   * const again = await HybridRecommender.load(await model.save())
   * ```
   * @throws RecForgeError PARSE_ERROR / UNSUPPORTED_VERSION for foreign or damaged artifacts.
   */
  static override async load<M extends BaseRecommender<object>>(this: RecommenderClass<M>, artifacts: ModelArtifacts, runtime: HybridRuntime = {}): Promise<M> {
    // the generic load, with the runtime objects handed to the constructor it calls
    const Self = this as unknown as typeof HybridRecommender
    class WithRuntime extends Self {
      constructor(config: Partial<HybridConfig>) {
        super(config, runtime)
      }
    }
    const load: (this: RecommenderClass<M>, artifacts: ModelArtifacts) => Promise<M> = BaseRecommender.load
    return load.call(WithRuntime as unknown as RecommenderClass<M>, artifacts)
  }

  /** The fitted CF part. */
  get cfModel(): Recommender<object> {
    this.requireFitted()
    return this.parts!.cf
  }

  /** The learned blend, or `undefined` with `blend: 'evidence'` (or when no validation slice could be cut). */
  get blend(): HybridBlend | undefined {
    this.requireFitted()
    return this.learned
  }

  private async newCf(seed: number): Promise<Recommender<object>> {
    const c = this.config
    return this.runtime.cf ? this.runtime.cf() : await createCf(c.cf, { factors: c.factors, seed })
  }

  /** Fits CF on `data` and gathers what scoring needs. */
  private async buildParts(data: Interactions, userVectors: Float32Array, opts: FitOptions, seed: number): Promise<Parts> {
    const c = this.config
    const s = this.space!
    const cf = await this.newCf(seed)
    await cf.fit(data, { seed, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) })
    const itemN = itemCounts(data)
    const userN = Int32Array.from({ length: data.users.size }, (_, u) => data.indptr[u + 1]! - data.indptr[u]!)
    let projection: LinearProjection | undefined
    let projected: Float32Array | undefined
    if (c.projection && cf.itemVectors && cf.userVector) {
      const warm: number[] = []
      itemN.forEach((n, i) => n > 0 && warm.push(i))
      if (warm.length > 0) {
        projection = LinearProjection.fit({ vectors: s.itemVectors, dimensions: s.dimensions }, cf.itemVectors(), { rows: Int32Array.from(warm), l2: c.l2 })
        projected = projection.project(s.itemVectors)
      }
    }
    return { cf, userVectors, itemN, userN, popularity: popularityFeature(itemN), projection, projected }
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    const c = this.config
    const seed = opts.seed ?? c.seed
    this.space = await buildContentSpace(data, opts, c, this.name, this.runtime.encoder)
    this.allItems = Int32Array.from({ length: data.items.size }, (_, i) => i)
    this.learned = undefined
    if (c.blend === 'learned') {
      const slice = carveValidation(data, { fraction: c.validationFraction, maxUsers: c.validationUsers, seed })
      if (slice) {
        opts.onProgress?.({ stage: 'log', current: 0, message: `hybrid: learning the blend on ${slice.users.length} validation users` })
        const s = this.space
        const userVectors = contentUserVectors(slice.train, s.itemVectors, s.dimensions, c, s.userTextVectors)
        const parts = await this.buildParts(slice.train, userVectors, opts.signal ? { signal: opts.signal } : {}, seed)
        this.learned = this.learnBlend(parts, slice, opts.signal)
      } else {
        opts.onProgress?.({ stage: 'log', current: 0, message: 'hybrid: too few users to cut a validation slice; using the evidence blend' })
      }
    }
    this.parts = await this.buildParts(data, this.space.userVectors, opts, seed)
  }

  private learnBlend(parts: Parts, slice: ValidationSlice, signal: AbortSignal | undefined): HybridBlend | undefined {
    const nb = BLEND_LEVELS.length
    const byBucket: BlendCase[][] = Array.from({ length: nb }, () => [])
    slice.users.forEach((u, j) => {
      const targets = slice.targets.indices.slice(slice.targets.indptr[u]!, slice.targets.indptr[u + 1]!)
      if (targets.length === 0) return
      if (j % 32 === 0) throwIfAborted(signal, 'hybrid blend')
      const features = [new Float32Array(this.allItems.length), new Float32Array(this.allItems.length), parts.popularity]
      this.features(parts, u, features[0]!, features[1]!)
      byBucket[slice.buckets[j]!]!.push(compactCase({ features, seen: slice.train.indices.slice(slice.train.indptr[u]!, slice.train.indptr[u + 1]!), targets }, BLEND_K))
    })
    if (byBucket.every((c) => c.length === 0)) return undefined
    const weights: { cf: number; content: number; popularity: number }[] = []
    for (let b = 0; b < nb; b++) {
      // a bucket's own users count fully, its neighbours' at half weight: ~20 users alone are noisy
      const pooled = [...byBucket[b]!, ...[b - 1, b + 1].flatMap((x) => (byBucket[x] ?? []).map((c) => ({ ...c, weight: NEIGHBOUR_WEIGHT })))]
      let r = pooled.length > 0 ? searchBlend(pooled, BLEND_K, signal) : undefined
      for (let d = 2; !r && d < nb; d++) {
        const near = [...(byBucket[b - d] ?? []), ...(byBucket[b + d] ?? [])]
        if (near.length > 0) r = searchBlend(near, BLEND_K, signal)
      }
      // float32, as scoring and the saved model use them
      const w = Float32Array.from(r!.weights)
      weights.push({ cf: w[0]!, content: w[1]!, popularity: w[2]! })
    }
    return {
      levels: [...BLEND_LEVELS],
      weights,
      users: byBucket.map((c) => c.length),
      ndcg: byBucket.map((c, b) => (c.length ? blendNdcg(c, [weights[b]!.cf, weights[b]!.content, weights[b]!.popularity], BLEND_K) : Number.NaN)),
      cfNdcg: byBucket.map((c) => (c.length ? blendNdcg(c, [1, 0, 0], BLEND_K) : Number.NaN)),
    }
  }

  /** Standardised CF (with projected content for items short of evidence) and content scores of `user` over the catalogue. */
  private features(p: Parts, user: number, cf: Float32Array, content: Float32Array): void {
    const s = this.space!
    const c = this.config
    const d = s.dimensions
    const n = cf.length
    matVec(s.itemVectors, d, p.userVectors.subarray(user * d, (user + 1) * d), content)
    standardize(content)
    cf.set(p.cf.score(user, this.allItems))
    let mask: Uint8Array | undefined
    if (p.projected) {
      const uv = p.cf.userVector!(user)
      const proj = new Float32Array(n)
      matVec(p.projected, uv.length, uv, proj)
      for (let i = 0; i < n; i++) {
        const w = itemWarmth(p.itemN[i]!, c.itemWarmup)
        cf[i] = w * cf[i]! + (1 - w) * proj[i]!
      }
    } else {
      mask = new Uint8Array(n)
      for (let i = 0; i < n; i++) mask[i] = p.itemN[i]! > 0 ? 1 : 0
    }
    standardize(cf, mask)
    if (mask) for (let i = 0; i < n; i++) if (!mask[i]) cf[i] = 0
  }

  protected scoreAll(user: number, out: Float32Array): void {
    const p = this.parts!
    const c = this.config
    const n = out.length
    const cf = new Float32Array(n)
    const content = new Float32Array(n)
    this.features(p, user, cf, content)
    const nu = p.userN[user]!
    if (this.learned) {
      const w = this.learned.weights[blendBucket(nu)]!
      for (let i = 0; i < n; i++) out[i] = w.cf * cf[i]! + w.content * content[i]! + w.popularity * p.popularity[i]!
      return
    }
    const wu = nu === 0 ? 0 : nu / (nu + c.userWarmup)
    for (let i = 0; i < n; i++) {
      const a = c.cfWeight * wu * (p.projected ? 1 : itemWarmth(p.itemN[i]!, c.itemWarmup))
      out[i] = a * cf[i]! + (1 - a) * content[i]!
    }
  }

  protected override async saveState(): Promise<ModelState> {
    const p = this.parts!
    const b = this.learned
    const space = this.spaceState()
    const cf = nestArtifacts('cf', await p.cf.save())
    const nullable = (xs: readonly number[]) => xs.map((x) => (Number.isFinite(x) ? x : null))
    return {
      meta: {
        ...space.meta,
        ...cf.meta,
        projectionDimensions: p.projection?.outputDimensions ?? 0,
        ...(b ? { blend: { levels: b.levels, users: b.users, ndcg: nullable(b.ndcg), cfNdcg: nullable(b.cfNdcg) } } : {}),
      },
      tensors: {
        ...space.tensors,
        itemN: p.itemN,
        userN: p.userN,
        ...(p.projection ? p.projection.toTensors() : {}),
        ...(b ? { blendWeights: blendTensor(b) } : {}),
        ...cf.tensors,
      },
    }
  }

  protected override async restoreState(a: ModelArtifacts): Promise<void> {
    const space = this.restoreSpace(a)
    this.allItems = Int32Array.from({ length: this.numItems }, (_, i) => i)
    const cfA = unnestArtifacts(a, 'cf')
    const cf = this.runtime.loadCf ? await this.runtime.loadCf(cfA) : await (await mfDefinition(cfA.model)).load(cfA)
    const itemN = requireTensor(a, 'itemN', Int32Array)
    const userN = requireTensor(a, 'userN', Int32Array)
    if (itemN.length !== this.numItems || userN.length !== this.numUsers) {
      throw new RecForgeError('PARSE_ERROR', `hybrid artifacts: itemN has ${itemN.length} entries and userN ${userN.length}; the model has ${this.numItems} items and ${this.numUsers} users`)
    }
    const pd = Number(a.meta?.projectionDimensions ?? 0)
    const projection = pd > 0 ? LinearProjection.fromTensors(a, space.dimensions, pd) : undefined
    this.parts = {
      cf,
      userVectors: space.userVectors,
      itemN,
      userN,
      popularity: popularityFeature(itemN),
      projection,
      projected: projection?.project(space.itemVectors),
    }
    this.learned = a.tensors.blendWeights ? readBlend(a) : undefined
  }
}

/**
 * The learned blend saved in hybrid artifacts.
 *
 * @throws RecForgeError PARSE_ERROR when `blendWeights` does not hold one weight per feature and bucket.
 */
function readBlend(a: ModelArtifacts): HybridBlend {
  const w = requireTensor(a, 'blendWeights', Float32Array)
  const meta = a.meta?.blend as { levels?: unknown; users?: unknown; ndcg?: unknown; cfNdcg?: unknown } | undefined
  const levels = meta?.levels
  const nb = BLEND_LEVELS.length
  if (!Array.isArray(levels) || levels.join() !== BLEND_LEVELS.join() || w.length !== nb * BLEND_FEATURES.length) {
    throw new RecForgeError('PARSE_ERROR', `hybrid artifacts: blendWeights must be ${nb} × ${BLEND_FEATURES.length} weights for levels ${BLEND_LEVELS.join(', ')}; got ${w.length} for ${JSON.stringify(levels)}`)
  }
  const numbers = (x: unknown) => Array.from({ length: nb }, (_, b) => (Array.isArray(x) && typeof x[b] === 'number' ? (x[b] as number) : Number.NaN))
  return {
    levels: [...BLEND_LEVELS],
    weights: Array.from({ length: nb }, (_, b) => ({ cf: w[3 * b]!, content: w[3 * b + 1]!, popularity: w[3 * b + 2]! })),
    users: numbers(meta?.users).map((x) => (Number.isFinite(x) ? x : 0)),
    ndcg: numbers(meta?.ndcg),
    cfNdcg: numbers(meta?.cfNdcg),
  }
}
