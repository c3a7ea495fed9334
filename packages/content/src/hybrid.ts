import {
  BaseRecommender,
  RecForgeError,
  checkArtifacts,
  checkNumber,
  itemCounts,
  requireTensor,
  type Encoder,
  type FitOptions,
  type Interactions,
  resolveParams,
  type ModelArtifacts,
  type ModelDefinition,
  type ParamValues,
  type Recommender,
  type ScoredItems,
} from '@recforge/core'
import { LinearProjection } from '@recforge/encoders'
import { buildContentSpace, nearestItems, readSpace, resolveContentConfig, type ContentConfig, type ContentSpace } from './content'
import { matVec, standardize } from './internal/vectors'

/** Options of {@link HybridRecommender}. */
export interface HybridConfig extends ContentConfig {
  /** The collaborative-filtering model from `@recforge/mf`. Defaults to `'als'`. */
  cf?: 'als' | 'bpr'
  /** Latent factors of the CF model. Defaults to `64`. */
  cfFactors?: number
  /** Largest share of the score given to CF, for fully warm users and items (0..1). Defaults to `0.8`. */
  cfWeight?: number
  /** Interactions at which an item is half warm: its CF weight is n/(n + itemWarmup). Defaults to `5`. */
  itemWarmup?: number
  /** Interactions at which a user is half warm: n/(n + userWarmup). Defaults to `5`. */
  userWarmup?: number
  /** Learn a projection from content vectors to CF item vectors, so new items get CF scores. Defaults to `true`. */
  projection?: boolean
  /** Ridge penalty of that projection. Defaults to `10`. */
  ridge?: number
  /** Seed of the CF model. Defaults to `42`. */
  seed?: number
}

type Resolved = Required<HybridConfig>

const FORMAT = 1

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

/**
 * Hybrid recommender: collaborative filtering blended with content similarity, with warm-up by
 * evidence. Each score is `a·z(cf) + (1 − a)·z(content)` (z: standardised per user) with
 * `a = cfWeight · n_u/(n_u + userWarmup) · n_i/(n_i + itemWarmup)`, so new users and new items
 * lean on content. With `projection`, a ridge map learned on warm items carries content vectors
 * into the CF item space, giving new items CF-like scores too (the alignment of content and CF
 * vectors in one space).
 *
 * @example
 * ```ts
 * const model = new HybridRecommender({ encoder: 'use', cf: 'als' })
 * await model.fit(train, { itemInfo })
 * model.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for bad options or missing item text; MISSING_DEPENDENCY without @recforge/mf.
 */
export class HybridRecommender extends BaseRecommender<Resolved> {
  readonly name = 'hybrid'
  private space: ContentSpace | undefined
  private cf: Recommender<object> | undefined
  private itemN: Int32Array = new Int32Array(0)
  private userN: Int32Array = new Int32Array(0)
  private projection: LinearProjection | undefined
  private projected: Float32Array | undefined
  private allItems = new Int32Array(0)
  private readonly encoder: Encoder<string> | undefined
  private readonly makeCf: (() => Recommender<object>) | undefined

  /** `encoder` overrides the text encoder; `cf` supplies any fitted-by-us CF recommender instead of `@recforge/mf`. */
  constructor(config: HybridConfig = {}, opts: { encoder?: Encoder<string>; cf?: () => Recommender<object> } = {}) {
    const content = resolveContentConfig(config)
    const c: Resolved = {
      ...content,
      cf: config.cf ?? 'als',
      cfFactors: config.cfFactors ?? 64,
      cfWeight: config.cfWeight ?? 0.8,
      itemWarmup: config.itemWarmup ?? 5,
      userWarmup: config.userWarmup ?? 5,
      projection: config.projection ?? true,
      ridge: config.ridge ?? 10,
      seed: config.seed ?? 42,
    }
    checkNumber('cfFactors', c.cfFactors, { min: 1, integer: true })
    checkNumber('cfWeight', c.cfWeight, { min: 0, max: 1 })
    checkNumber('itemWarmup', c.itemWarmup, { min: 0 })
    checkNumber('userWarmup', c.userWarmup, { min: 0 })
    checkNumber('ridge', c.ridge, { min: 0 })
    if (c.cf !== 'als' && c.cf !== 'bpr') throw new RecForgeError('INVALID_ARGUMENT', `option "cf" must be als or bpr; got ${JSON.stringify(c.cf)}`)
    super(c)
    this.encoder = opts.encoder
    this.makeCf = opts.cf
  }

  /** The fitted CF part. */
  get cfModel(): Recommender<object> {
    this.requireFitted()
    return this.cf!
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    const c = this.config
    const cf = this.makeCf ? this.makeCf() : await createCf(c.cf, { factors: c.cfFactors, seed: opts.seed ?? c.seed })
    const space = await buildContentSpace(data, opts, c, this.name, this.encoder)
    await cf.fit(data, { seed: opts.seed ?? c.seed, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) })
    this.space = space
    this.cf = cf
    this.itemN = itemCounts(data)
    this.userN = Int32Array.from({ length: data.users.size }, (_, u) => data.indptr[u + 1]! - data.indptr[u]!)
    this.allItems = Int32Array.from({ length: data.items.size }, (_, i) => i)
    this.projection = undefined
    this.projected = undefined
    if (c.projection && cf.itemVectors && cf.userVector) {
      const target = cf.itemVectors()
      const warm: number[] = []
      this.itemN.forEach((n, i) => n > 0 && warm.push(i))
      if (warm.length > 0) {
        this.projection = LinearProjection.fit({ vectors: space.itemVectors, dimensions: space.dimensions }, target, { rows: Int32Array.from(warm), ridge: c.ridge })
        this.projected = this.projection.project(space.itemVectors)
      }
    }
  }

  protected scoreAll(user: number, out: Float32Array): void {
    const s = this.space!
    const c = this.config
    const d = s.dimensions
    const n = out.length
    const content = new Float32Array(n)
    matVec(s.itemVectors, d, s.userVectors.subarray(user * d, (user + 1) * d), content)
    standardize(content)
    const cf = this.cf!.score(user, this.allItems)
    const wItem = (i: number) => (this.itemN[i]! === 0 ? 0 : this.itemN[i]! / (this.itemN[i]! + c.itemWarmup))
    let mask: Uint8Array | undefined
    if (this.projected) {
      const uv = this.cf!.userVector!(user)
      const pd = uv.length
      const proj = new Float32Array(n)
      matVec(this.projected, pd, uv, proj)
      for (let i = 0; i < n; i++) {
        const w = wItem(i)
        cf[i] = w * cf[i]! + (1 - w) * proj[i]!
      }
    } else {
      mask = new Uint8Array(n)
      for (let i = 0; i < n; i++) mask[i] = this.itemN[i]! > 0 ? 1 : 0
    }
    standardize(cf, mask)
    const nu = this.userN[user]!
    const wu = nu === 0 ? 0 : nu / (nu + c.userWarmup)
    for (let i = 0; i < n; i++) {
      const a = c.cfWeight * wu * (this.projected ? 1 : wItem(i))
      out[i] = a * cf[i]! + (1 - a) * content[i]!
    }
  }

  itemVectors(): { vectors: Float32Array; dimensions: number } {
    this.requireFitted()
    return { vectors: this.space!.itemVectors, dimensions: this.space!.dimensions }
  }

  similarItems(item: number, k = 10): ScoredItems {
    this.checkItems(Int32Array.of(item))
    return nearestItems(this.space!, item, k, undefined)
  }

  /**
   * The user's own items most similar in content to `item` ("because you liked X"), best first.
   *
   * @example
   * ```ts
   * model.explain(3, 120, 2)
   * ```
   * @throws RecForgeError UNKNOWN_ID for indices outside the training vocabularies.
   */
  explain(user: number, item: number, k = 3): ScoredItems {
    this.checkItems(Int32Array.of(item))
    return nearestItems(this.space!, item, k, this.seenItems(user))
  }

  async save(): Promise<ModelArtifacts> {
    const base = this.baseArtifacts()
    const s = this.space!
    const cfA = await this.cf!.save()
    const cfTensors: Record<string, Float32Array | Float64Array | Int32Array | Uint8Array> = {}
    for (const [k, v] of Object.entries(cfA.tensors)) cfTensors[`cf.${k}`] = v
    return {
      model: this.name,
      formatVersion: FORMAT,
      config: { ...this.config },
      meta: {
        ...base.meta,
        dimensions: s.dimensions,
        encoderId: s.encoderId,
        cf: { model: cfA.model, formatVersion: cfA.formatVersion, config: cfA.config, meta: cfA.meta ?? {} },
        projectionDimensions: this.projection?.outputDimensions ?? 0,
      },
      tensors: {
        ...base.tensors,
        itemVectors: s.itemVectors,
        userVectors: s.userVectors,
        itemN: this.itemN,
        userN: this.userN,
        ...(this.projection ? this.projection.toTensors() : {}),
        ...cfTensors,
      },
    }
  }

  /**
   * Restores a saved hybrid model with its CF part; no encoder runs. `loadCf` rebuilds a CF model
   * that did not come from `@recforge/mf`.
   *
   * @example
   * ```ts
   * const again = await HybridRecommender.load(await model.save())
   * ```
   * @throws RecForgeError PARSE_ERROR / UNSUPPORTED_VERSION for foreign or damaged artifacts.
   */
  static async load(a: ModelArtifacts, opts: { loadCf?: (a: ModelArtifacts) => Promise<Recommender<object>> } = {}): Promise<HybridRecommender> {
    checkArtifacts(a, 'hybrid', FORMAT)
    const m = new HybridRecommender(a.config as HybridConfig)
    m.restoreBase(a)
    m.space = readSpace(a, m.numItems, m.numUsers)
    m.itemN = requireTensor(a, 'itemN', Int32Array)
    m.userN = requireTensor(a, 'userN', Int32Array)
    m.allItems = Int32Array.from({ length: m.numItems }, (_, i) => i)
    const cfMeta = a.meta?.cf as { model: string; formatVersion: number; config: Record<string, unknown>; meta: Record<string, unknown> } | undefined
    if (!cfMeta || typeof cfMeta.model !== 'string') throw new RecForgeError('PARSE_ERROR', 'hybrid artifacts lack the CF model description (meta.cf)')
    const tensors: Record<string, Float32Array | Float64Array | Int32Array | Uint8Array> = {}
    for (const [k, v] of Object.entries(a.tensors)) if (k.startsWith('cf.')) tensors[k.slice(3)] = v
    const cfA: ModelArtifacts = { model: cfMeta.model, formatVersion: cfMeta.formatVersion, config: cfMeta.config, meta: cfMeta.meta, tensors }
    m.cf = opts.loadCf ? await opts.loadCf(cfA) : await (await mfDefinition(cfMeta.model)).load(cfA)
    const pd = Number(a.meta?.projectionDimensions ?? 0)
    if (pd > 0) {
      m.projection = LinearProjection.fromTensors(a, m.space.dimensions, pd)
      m.projected = m.projection.project(m.space.itemVectors)
    }
    return m
  }
}
