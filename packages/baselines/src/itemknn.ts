import { BaseRecommender, RecForgeError, checkNumber, defineParams, param, requireTensor, resolveConfig } from '@recforge/core'
import type { ConfigOf, FitOptions, Interactions, ModelArtifacts, ModelState, ScoredItems } from '@recforge/core'
import { splitByPrefix } from '@recforge/compute'
import type { KnnRows } from './internal/knn'
import { rowTasks, withBaselinesPool } from './internal/parallel'
import { csrPairArgs, sortedCsr, threadsParam } from './internal/util'

/** With `threads: 0`, below this many items the work is too small to pay for starting worker threads. */
const PARALLEL_MIN_ITEMS = 1000

/** The parameters of {@link ItemKNN} (the `itemknn` model). */
export const ITEMKNN_PARAMS = defineParams({
  neighbors: param.int({ default: 100, min: 1, description: 'neighbours kept per item in the sparse neighbour table' }),
  similarity: param.enumOf({ values: ['cosine', 'adjusted-cosine', 'conditional'], default: 'cosine', description: 'item-item similarity: cosine, cosine of ratings centred on each user\'s mean (adjusted-cosine), or P(j | i) (conditional)' }),
  shrink: param.float({ default: 50, min: 0, description: 'shrinkage added to the similarity denominator; damps pairs with little support' }),
  binary: param.bool({ default: false, description: 'treat every interaction as 1 instead of its value (ranking task only)' }),
  task: param.enumOf({ values: ['ranking', 'rating'], default: 'ranking', description: 'ranking: sum of neighbour similarities × value; rating: baseline plus the similarity-weighted mean deviation' }),
  damping: param.float({ default: 5, min: 0, description: 'damping of the user and item baseline means (rating task)' }),
  threads: threadsParam('the similarity computation', PARALLEL_MIN_ITEMS),
})

/** The configuration of {@link ItemKNN}: see {@link ITEMKNN_PARAMS}. */
export type ItemKNNConfig = ConfigOf<typeof ITEMKNN_PARAMS>

/**
 * Item-item similarity measures of {@link ItemKNN}. `cosine`: dot / (|i| |j| + shrink);
 * `adjusted-cosine`: the same on ratings centred by each user's mean (explicit data);
 * `conditional`: dot / (|i|^2 + shrink), P(j | i) for binary data.
 */
export type ItemSimilarity = ItemKNNConfig['similarity']

/**
 * Item-based k-nearest-neighbours (Sarwar et al. 2001; Deshpande & Karypis 2004). Similarities come
 * from a sparse-sparse product over the item-major CSR, top-`neighbors` per item kept in a CSR
 * neighbour table; large catalogues are split over worker threads. With `task: 'ranking'` a
 * user's score for item t is the sum over their items j of sim(j, t) x value; with `'rating'`, a
 * predicted rating: baseline plus the similarity-weighted mean of the user's deviations from
 * baseline on t's neighbours. Parameters: {@link ITEMKNN_PARAMS}.
 *
 * @example
 * ```ts
 * const knn = new ItemKNN({ neighbors: 50, similarity: 'cosine', shrink: 10 })
 * await knn.fit(train)
 * knn.recommend(0, { k: 10 })
 * knn.similarItems(3, 5)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for neighbors < 1, a negative shrink or damping, an unknown
 *   parameter, or `binary` with the rating task.
 */
export class ItemKNN extends BaseRecommender<ItemKNNConfig> {
  readonly name = 'itemknn'
  private nbrIndptr: Int32Array | undefined
  private nbrItems: Int32Array | undefined
  private nbrSims: Float32Array | undefined
  /** Interaction values aligned with the seen-item CSR. */
  private rowValues: Float32Array | undefined
  /** Rating task: global mean, then user and item offsets. */
  private globalMean = 0
  private userBias: Float64Array | undefined
  private itemBias: Float64Array | undefined

  constructor(config: Partial<ItemKNNConfig> = {}) {
    const c = resolveConfig(ITEMKNN_PARAMS, config, { model: 'itemknn' })
    if (c.binary && c.task === 'rating') {
      throw new RecForgeError('INVALID_ARGUMENT', 'itemknn: parameters "binary" and "task": binary: true discards the ratings that task: "rating" predicts; set binary to false or task to "ranking"')
    }
    super(c)
  }

  /** The neighbour table: row `i` lists items `items[indptr[i]..indptr[i+1])` with `sims`, best first. */
  neighborTable(): { indptr: Int32Array; items: Int32Array; sims: Float32Array } {
    this.requireFitted()
    return { indptr: this.nbrIndptr!, items: this.nbrItems!, sims: this.nbrSims! }
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    const c = this.config
    const ni = data.items.size
    const nu = data.users.size
    const nnz = data.indptr[nu]!
    let values = data.values.subarray(0, nnz)
    if (c.similarity === 'adjusted-cosine') {
      const centred = new Float32Array(nnz)
      let any = false
      for (let u = 0; u < nu; u++) {
        const a = data.indptr[u]!
        const b = data.indptr[u + 1]!
        let sum = 0
        for (let q = a; q < b; q++) sum += data.values[q]!
        const mean = b > a ? sum / (b - a) : 0
        for (let q = a; q < b; q++) {
          centred[q] = data.values[q]! - mean
          if (centred[q] !== 0) any = true
        }
      }
      if (!any) {
        throw new RecForgeError('INVALID_ARGUMENT', 'itemknn: adjusted-cosine centres each user\'s values on their mean, and every user here has a single value (implicit data?); use similarity "cosine" or "conditional"')
      }
      values = centred
    } else if (c.binary) values = new Float32Array(nnz).fill(1)
    const parts = await withBaselinesPool(c.threads, ni, PARALLEL_MIN_ITEMS, async (starting): Promise<KnnRows[]> => {
      const csr = sortedCsr({ ...data, values }, {})
      // norms: L2 (cosine) or squared L2 (conditional)
      const norms = new Float64Array(ni)
      for (let i = 0; i < ni; i++) {
        let s = 0
        for (let p = csr.byItem.indptr[i]!; p < csr.byItem.indptr[i + 1]!; p++) s += csr.byItem.values[p]! ** 2
        norms[i] = c.similarity === 'conditional' ? s : Math.sqrt(s)
      }
      // split items by work: sum over each item's users of their row length
      const work = new Float64Array(ni + 1)
      for (let i = 0; i < ni; i++) {
        let w = 1
        for (let p = csr.byItem.indptr[i]!; p < csr.byItem.indptr[i + 1]!; p++) {
          const u = csr.byItem.indices[p]!
          w += csr.byUser.indptr[u + 1]! - csr.byUser.indptr[u]!
        }
        work[i + 1] = work[i]! + w
      }
      const pool = await starting
      const args = csrPairArgs(csr, pool.shared)
      const mode = c.similarity === 'conditional' ? 1 : 0
      return pool.run('knn', rowTasks(splitByPrefix((i) => work[i]!, ni, pool.threads), () => ({ ...args, ni, mode, norms, shrink: c.shrink, topN: c.neighbors })))
    })
    opts.onProgress?.({ stage: 'similarity', current: ni, total: ni })
    const indptr = new Int32Array(ni + 1)
    let total = 0
    let i = 0
    for (const part of parts) for (const cnt of part.counts) indptr[++i] = total += cnt
    const items = new Int32Array(total)
    const sims = new Float32Array(total)
    let o = 0
    for (const part of parts) {
      items.set(part.nbr, o)
      sims.set(part.sim, o)
      o += part.nbr.length
    }
    this.nbrIndptr = indptr
    this.nbrItems = items
    this.nbrSims = sims
    this.rowValues = c.binary ? undefined : data.values.slice(0, nnz)
    if (c.task === 'rating') this.fitBaselines(data)
  }

  /** Damped means: `b_i = sum(r - mu) / (n_i + damping)`, then `b_u = sum(r - mu - b_i) / (n_u + damping)`. */
  private fitBaselines(data: Interactions): void {
    const nu = data.users.size
    const ni = data.items.size
    const n = data.indptr[nu]!
    let sum = 0
    for (let k = 0; k < n; k++) sum += data.values[k]!
    const mu = sum / n
    const bi = new Float64Array(ni)
    const ci = new Float64Array(ni)
    for (let k = 0; k < n; k++) {
      const i = data.indices[k]!
      bi[i]! += data.values[k]! - mu
      ci[i]!++
    }
    for (let i = 0; i < ni; i++) bi[i] = bi[i]! / (ci[i]! + this.config.damping || 1)
    const bu = new Float64Array(nu)
    for (let u = 0; u < nu; u++) {
      let s = 0
      const a = data.indptr[u]!
      const b = data.indptr[u + 1]!
      for (let k = a; k < b; k++) s += data.values[k]! - mu - bi[data.indices[k]!]!
      bu[u] = s / (b - a + this.config.damping || 1)
    }
    this.globalMean = mu
    this.itemBias = bi
    this.userBias = bu
  }

  protected scoreAll(user: number, out: Float32Array): void {
    const s = this.seen!
    const a = s.indptr[user]!
    const b = s.indptr[user + 1]!
    const ip = this.nbrIndptr!
    const items = this.nbrItems!
    const sims = this.nbrSims!
    if (this.config.task === 'ranking') {
      const acc = new Float64Array(out.length)
      for (let q = a; q < b; q++) {
        const j = s.indices[q]!
        const v = this.rowValues ? this.rowValues[q]! : 1
        for (let p = ip[j]!; p < ip[j + 1]!; p++) acc[items[p]!]! += v * sims[p]!
      }
      out.set(acc)
      return
    }
    const mu = this.globalMean
    const bi = this.itemBias!
    const bu = this.userBias![user]!
    const dev = new Float64Array(out.length).fill(Number.NaN)
    for (let q = a; q < b; q++) {
      const j = s.indices[q]!
      dev[j] = this.rowValues![q]! - mu - bu - bi[j]!
    }
    for (let t = 0; t < out.length; t++) {
      let num = 0
      let den = 0
      for (let p = ip[t]!; p < ip[t + 1]!; p++) {
        const d = dev[items[p]!]!
        if (d !== d) continue
        const w = sims[p]!
        num += w * d
        den += w
      }
      out[t] = mu + bu + bi[t]! + (den > 0 ? num / den : 0)
    }
  }

  /**
   * The `k` items most similar to `item` from the neighbour table, best first.
   *
   * @example
   * ```ts
   * knn.similarItems(3, 5).items
   * ```
   * @throws RecForgeError UNKNOWN_ID for an item outside the catalogue; NOT_FITTED before fit.
   */
  similarItems(item: number, k = 10): ScoredItems {
    this.checkItems(Int32Array.of(item))
    checkNumber('k', k, { min: 0, integer: true })
    const a = this.nbrIndptr![item]!
    const b = Math.min(this.nbrIndptr![item + 1]!, a + k)
    return { items: this.nbrItems!.slice(a, b), scores: this.nbrSims!.slice(a, b) }
  }

  protected override saveState(): ModelState {
    return {
      meta: { globalMean: this.globalMean },
      tensors: {
        nbrIndptr: this.nbrIndptr!,
        nbrItems: this.nbrItems!,
        nbrSims: this.nbrSims!,
        ...(this.rowValues ? { rowValues: this.rowValues } : {}),
        ...(this.userBias ? { userBias: this.userBias, itemBias: this.itemBias! } : {}),
      },
    }
  }

  protected override restoreState(a: ModelArtifacts): void {
    const ip = requireTensor(a, 'nbrIndptr', Int32Array)
    if (ip.length !== this.numItems + 1) throw new RecForgeError('PARSE_ERROR', `itemknn artifacts: tensor "nbrIndptr" has ${ip.length} entries; expected items + 1 = ${this.numItems + 1}`)
    const items = requireTensor(a, 'nbrItems', Int32Array)
    const sims = requireTensor(a, 'nbrSims', Float32Array)
    const total = ip[this.numItems]!
    if (items.length !== total || sims.length !== total) {
      throw new RecForgeError('PARSE_ERROR', `itemknn artifacts: tensors "nbrItems" and "nbrSims" have ${items.length} and ${sims.length} entries; nbrIndptr says ${total}`)
    }
    this.nbrIndptr = ip
    this.nbrItems = items
    this.nbrSims = sims
    if (!this.config.binary) this.rowValues = requireTensor(a, 'rowValues', Float32Array)
    if (this.config.task === 'rating') {
      this.userBias = requireTensor(a, 'userBias', Float64Array)
      this.itemBias = requireTensor(a, 'itemBias', Float64Array)
      this.globalMean = Number(a.meta?.globalMean ?? Number.NaN)
      if (!Number.isFinite(this.globalMean)) throw new RecForgeError('PARSE_ERROR', 'itemknn artifacts: the rating task needs meta.globalMean')
    }
  }
}
