import {
  BaseRecommender,
  RecForgeError,
  defineParams,
  itemText,
  param,
  requireTensor,
  resolveConfig,
  topK,
  type ConfigOf,
  type Encoder,
  type FitOptions,
  type Interactions,
  type ItemSideInfo,
  type IncrementalRecommender,
  type ModelArtifacts,
  type ModelState,
  type RecommendOptions,
  type ScoredItems,
} from '@recforge/core'
import { normalizeRows, userVectorsFromItems, userVectorsFromText } from '@recforge/encoders'
import { matVec, rowNorms2 } from './internal/vectors'
import { TEXT_ENCODER_PARAMS, createTextEncoder } from './textEncoder'

/** The parameters of {@link ContentRecommender} (the `content` model). */
export const CONTENT_PARAMS = defineParams({
  ...TEXT_ENCODER_PARAMS,
  similarity: param.enumOf({
    values: ['cosine', 'dot', 'euclidean'],
    default: 'cosine',
    description: 'how a user vector meets an item vector: cosine, inner product, or negative euclidean distance',
  }),
  profile: param.enumOf({ values: ['rating', 'binary'], default: 'rating', description: "how a user's items weigh in their profile: by rating (value), or equally" }),
  userTextWeight: param.float({ default: 0.5, min: 0, max: 1, description: "weight of the user's own text (FitOptions.userText) against their item profile" }),
  maxTags: param.int({ default: 20, min: 0, description: 'tags per item put into its text' }),
})

/** The configuration of {@link ContentRecommender}: see {@link CONTENT_PARAMS}. */
export type ContentConfig = ConfigOf<typeof CONTENT_PARAMS>

/** Runtime objects of {@link ContentRecommender} (not parameters, never saved). */
export interface ContentRuntime {
  /** An encoder instance used instead of the configured one (any {@link Encoder}, e.g. a cached transformers.js model). */
  readonly encoder?: Encoder<string>
}

/** What content-based fitting produces: item vectors and user profiles in the same space. */
export interface ContentSpace {
  readonly itemVectors: Float32Array
  readonly userVectors: Float32Array
  readonly dimensions: number
  readonly encoderId: string
  /** The users' own text, encoded (only when `FitOptions.userText` was given; not saved). */
  readonly userTextVectors?: Float32Array
}

/**
 * User profiles: the weighted mean of each user's item vectors, blended with their encoded own
 * text (`userTextWeight`; text alone for users with no items), normalised for cosine similarity.
 */
export function contentUserVectors(data: Interactions, itemVectors: Float32Array, d: number, c: ContentConfig, userTextVectors?: Float32Array): Float32Array {
  const userVectors = userVectorsFromItems(data, itemVectors, d, { weighting: c.profile === 'rating' ? 'value' : 'binary', normalize: c.similarity === 'cosine' })
  if (!userTextVectors) return userVectors
  const t = userTextVectors
  const w = c.userTextWeight
  for (let u = 0; u < data.users.size; u++) {
    const o = u * d
    let hasText = false
    let hasItems = false
    for (let j = 0; j < d; j++) {
      if (t[o + j] !== 0) hasText = true
      if (userVectors[o + j] !== 0) hasItems = true
    }
    if (!hasText) continue
    const wt = hasItems ? w : 1
    for (let j = 0; j < d; j++) userVectors[o + j] = (1 - wt) * userVectors[o + j]! + wt * t[o + j]!
  }
  if (c.similarity === 'cosine') normalizeRows(userVectors, d)
  return userVectors
}

/**
 * Encodes every item's text (title, genres, tags via core's `itemText`) and builds user profiles:
 * the weighted mean of their items' vectors, blended with their own text when given.
 *
 * @example
 * ```ts
 * const space = await buildContentSpace(train, { itemInfo }, resolveConfig(CONTENT_PARAMS, { encoder: 'tfidf' }, { model: 'content' }), 'content')
 * ```
 * @throws RecForgeError INVALID_ARGUMENT without item side information; DIMENSION_MISMATCH when it does not cover the catalogue.
 */
export async function buildContentSpace(data: Interactions, opts: FitOptions, c: ContentConfig, name: string, injected?: Encoder<string>): Promise<ContentSpace> {
  const info: ItemSideInfo | undefined = opts.itemInfo
  if (!info) {
    throw new RecForgeError('INVALID_ARGUMENT', `${name}: fit needs item text: pass FitOptions.itemInfo (titles, genres, tags) for the ${data.items.size} items`)
  }
  if (info.titles.length !== data.items.size) {
    throw new RecForgeError('DIMENSION_MISMATCH', `${name}: itemInfo has ${info.titles.length} titles; the interactions have ${data.items.size} items`)
  }
  const texts = Array.from({ length: data.items.size }, (_, i) => itemText(info, i, { maxTags: c.maxTags }))
  const log = (m: string) => opts.onProgress?.({ stage: 'log', current: 0, message: m })
  const encoder = injected ?? (await createTextEncoder(c, texts, log))
  try {
    const d = encoder.dimensions
    const itemVectors = await encoder.encode(texts, { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) })
    if (itemVectors.length !== texts.length * d) throw new RecForgeError('DIMENSION_MISMATCH', `${name}: encoder ${encoder.modelId} returned ${itemVectors.length} values for ${texts.length} texts of ${d} dimensions`)
    if (c.similarity === 'cosine') normalizeRows(itemVectors, d)
    const userText = opts.userText
    let userTextVectors: Float32Array | undefined
    if (userText && userText.some((t) => t && t.trim())) {
      if (userText.length !== data.users.size) throw new RecForgeError('DIMENSION_MISMATCH', `${name}: userText has ${userText.length} entries; the interactions have ${data.users.size} users`)
      userTextVectors = await userVectorsFromText(encoder, userText)
    }
    const userVectors = contentUserVectors(data, itemVectors, d, c, userTextVectors)
    return { itemVectors, userVectors, dimensions: d, encoderId: encoder.modelId, ...(userTextVectors ? { userTextVectors } : {}) }
  } finally {
    if (!injected) await encoder.dispose()
  }
}

/**
 * What the content and hybrid models share: item vectors and user profiles in one space (saved
 * with the model), and the similar items and explanations they give.
 */
export abstract class ContentSpaceRecommender<Config extends object> extends BaseRecommender<Config> {
  protected space: ContentSpace | undefined

  /** The id of the encoder that made the vectors. */
  get encoderId(): string {
    this.requireFitted()
    return this.space!.encoderId
  }

  /** The content vector of every item (row-major, a view). */
  itemVectors(): { vectors: Float32Array; dimensions: number } {
    this.requireFitted()
    return { vectors: this.space!.itemVectors, dimensions: this.space!.dimensions }
  }

  /** The items nearest to `item` by cosine of their content vectors, best first. */
  similarItems(item: number, k = 10): ScoredItems {
    this.checkItems(Int32Array.of(item))
    return nearestItems(this.space!, item, k, undefined)
  }

  /**
   * Why `item` is recommended to `user`: the user's own items most similar to it ("because you
   * liked X"), by cosine of their content vectors, best first.
   *
   * @example
   * ```ts
   * const why = model.explain(0, 42, 3) // { items: [17, 5, 9], scores: [0.81, 0.64, 0.60] }
   * ```
   * @throws RecForgeError UNKNOWN_ID for a user or item outside the training vocabularies.
   */
  explain(user: number, item: number, k = 3): ScoredItems {
    this.checkItems(Int32Array.of(item))
    return nearestItems(this.space!, item, k, this.seenItems(user))
  }

  /** The space's part of the saved state: its size and encoder id, item vectors and user profiles. */
  protected spaceState(): { meta: Record<string, unknown>; tensors: Record<string, Float32Array> } {
    const s = this.space!
    return { meta: { dimensions: s.dimensions, encoderId: s.encoderId }, tensors: { itemVectors: s.itemVectors, userVectors: s.userVectors } }
  }

  /**
   * Restores what {@link ContentSpaceRecommender.spaceState} saved.
   *
   * @throws RecForgeError PARSE_ERROR when the vectors do not match the vocabularies.
   */
  protected restoreSpace(a: ModelArtifacts): ContentSpace {
    const d = Number(a.meta?.dimensions)
    const itemVectors = requireTensor(a, 'itemVectors', Float32Array)
    const userVectors = requireTensor(a, 'userVectors', Float32Array)
    if (!Number.isInteger(d) || d < 1 || itemVectors.length !== this.numItems * d || userVectors.length !== this.numUsers * d) {
      throw new RecForgeError('PARSE_ERROR', `${a.model} artifacts: itemVectors (${itemVectors.length} values) and userVectors (${userVectors.length}) do not match ${this.numItems} items and ${this.numUsers} users of ${d} dimensions`)
    }
    this.space = { itemVectors, userVectors, dimensions: d, encoderId: String(a.meta?.encoderId ?? '') }
    return this.space
  }
}

/**
 * LLM4Rec-style content recommender: items and users become vectors from a pretrained text encoder
 * (or TF-IDF / hashing), and items are ranked by cosine (or dot / Euclidean) similarity to the
 * user. Works for items nobody has interacted with yet. Saved models keep the item vectors, so
 * loading runs no encoder.
 *
 * @example
 * ```ts
 * const model = new ContentRecommender({ encoder: 'use' })
 * await model.fit(train, { itemInfo })
 * model.recommend(0, { k: 10 })
 * model.explain(0, model.recommend(0).items[0]!) // the liked items it resembles
 * const again = await ContentRecommender.load(await model.save()) // no encoder runs
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a bad or unknown option, or missing item text; NOT_FITTED before fit.
 */
export class ContentRecommender extends ContentSpaceRecommender<ContentConfig> implements IncrementalRecommender {
  readonly name = 'content'
  private itemNorms2: Float32Array | undefined
  private readonly encoder: Encoder<string> | undefined

  constructor(config: Partial<ContentConfig> = {}, runtime: ContentRuntime = {}) {
    super(resolveConfig(CONTENT_PARAMS, config, { model: 'content' }))
    this.encoder = runtime.encoder
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    this.space = await buildContentSpace(data, opts, this.config, this.name, this.encoder)
    this.itemNorms2 = rowNorms2(this.space.itemVectors, this.space.dimensions)
  }

  protected scoreAll(user: number, out: Float32Array): void {
    const d = this.space!.dimensions
    this.scoreProfile(this.space!.userVectors.subarray(user * d, (user + 1) * d), out)
  }

  private scoreProfile(p: Float32Array, out: Float32Array): void {
    const s = this.space!
    const d = s.dimensions
    matVec(s.itemVectors, d, p, out)
    if (this.config.similarity === 'euclidean') {
      let pn = 0
      for (let j = 0; j < d; j++) pn += p[j]! * p[j]!
      for (let i = 0; i < out.length; i++) out[i] = -Math.sqrt(Math.max(0, pn + this.itemNorms2![i]! - 2 * out[i]!))
    }
  }

  /** The profile vector of a training user (a copy). */
  userVector(user: number): Float32Array {
    this.checkUser(user)
    const d = this.space!.dimensions
    return this.space!.userVectors.slice(user * d, (user + 1) * d)
  }

  /**
   * Recommends for a user who was not in training, from the items they just interacted with
   * (their profile is built the same way as in fit; no retraining). The given items are excluded.
   *
   * @example
   * ```ts
   * model.recommendNewUser(Int32Array.of(3, 17), undefined, { k: 10 })
   * ```
   * @throws RecForgeError UNKNOWN_ID for items outside the catalogue; DIMENSION_MISMATCH when values and items differ in length.
   */
  recommendNewUser(items: Int32Array, values?: Float32Array, opts: RecommendOptions = {}): ScoredItems {
    this.checkItems(items)
    if (values && values.length !== items.length) throw new RecForgeError('DIMENSION_MISMATCH', `${this.name}: ${items.length} items but ${values.length} values`)
    const s = this.space!
    const d = s.dimensions
    const p = new Float32Array(d)
    let total = 0
    items.forEach((i, j) => {
      const w = this.config.profile === 'rating' && values ? values[j]! : 1
      for (let c = 0; c < d; c++) p[c]! += w * s.itemVectors[i * d + c]!
      total += Math.abs(w)
    })
    if (total > 0) for (let c = 0; c < d; c++) p[c]! /= total
    if (this.config.similarity === 'cosine') normalizeRows(p, d)
    const all = new Float32Array(this.numItems)
    this.scoreProfile(p, all)
    return this.rankNewUser(all, items, opts)
  }

  protected override saveState(): ModelState {
    return this.spaceState()
  }

  protected override restoreState(a: ModelArtifacts): void {
    const s = this.restoreSpace(a)
    this.itemNorms2 = rowNorms2(s.itemVectors, s.dimensions)
  }
}

/** Items nearest to `item` by cosine, among `among` (or all items but itself). */
function nearestItems(s: ContentSpace, item: number, k: number, among: Int32Array | undefined): ScoredItems {
  const d = s.dimensions
  const q = s.itemVectors.subarray(item * d, (item + 1) * d)
  let qn = 0
  for (let j = 0; j < d; j++) qn += q[j]! * q[j]!
  const cand = among ?? Int32Array.from({ length: s.itemVectors.length / d }, (_, i) => i)
  const scores = new Float32Array(cand.length)
  for (let c = 0; c < cand.length; c++) {
    const o = cand[c]! * d
    let dot = 0
    let n = 0
    for (let j = 0; j < d; j++) {
      dot += q[j]! * s.itemVectors[o + j]!
      n += s.itemVectors[o + j]! * s.itemVectors[o + j]!
    }
    scores[c] = qn > 0 && n > 0 ? dot / Math.sqrt(qn * n) : 0
  }
  return topK(scores, k, { candidates: cand, exclude: Int32Array.of(item) })
}
