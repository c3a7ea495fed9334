import { checkNumber, itemCounts, nnz, Random, RecForgeError, searchCumulative, type Interactions } from '@recforge/core'

/** Options for {@link sampleNegatives}. */
export interface NegativeSamplingOptions {
  /** Negatives per positive interaction. Defaults to `1`. */
  perPositive?: number
  /** `uniform` over the catalogue, or `popularity` (probability proportional to count^alpha). Defaults to `'uniform'`. */
  strategy?: 'uniform' | 'popularity'
  /** Popularity exponent (0 = uniform, 1 = proportional to count; word2vec uses 0.75). Defaults to `0.75`. */
  alpha?: number
  /** Seed. Defaults to `42`. */
  seed?: number
  /** Draw attempts per negative before giving up on a user who has seen (nearly) everything. Defaults to `100`. */
  maxTries?: number
}

/** Sampled negatives, one row per drawn (user, negative item) pair, parallel to the positives they pair with. */
export interface NegativeSamples {
  /** User index per negative. */
  users: Int32Array
  /** Negative item index per negative. */
  items: Int32Array
  /** CSR position of the positive interaction each negative pairs with. */
  positives: Int32Array
}

/**
 * A reusable sampler of items from a distribution over the catalogue (uniform, or popularity^alpha
 * by binary search in the cumulative distribution).
 *
 * @example
 * ```ts
 * const s = new ItemSampler(train, { strategy: 'popularity', alpha: 0.75 })
 * s.draw(rng)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a negative alpha or an empty catalogue.
 */
export class ItemSampler {
  private readonly cdf: Float64Array | undefined
  readonly size: number

  constructor(data: Interactions, opts: { strategy?: 'uniform' | 'popularity'; alpha?: number } = {}) {
    this.size = data.items.size
    if (this.size === 0) throw new RecForgeError('INVALID_ARGUMENT', 'cannot sample items from an empty catalogue')
    const strategy = opts.strategy ?? 'uniform'
    if (strategy !== 'uniform' && strategy !== 'popularity') throw new RecForgeError('INVALID_ARGUMENT', `strategy must be uniform or popularity; got ${JSON.stringify(strategy)}`)
    if (strategy === 'popularity') {
      const alpha = checkNumber('alpha', opts.alpha ?? 0.75, { min: 0 })
      const counts = itemCounts(data)
      const cdf = new Float64Array(this.size)
      let acc = 0
      for (let i = 0; i < this.size; i++) {
        acc += counts[i]! > 0 ? Math.pow(counts[i]!, alpha) : 0
        cdf[i] = acc
      }
      if (acc === 0) throw new RecForgeError('INVALID_ARGUMENT', 'popularity sampling needs at least one interaction')
      this.cdf = cdf
    }
  }

  /** One item index. */
  draw(rng: Random): number {
    const cdf = this.cdf
    if (!cdf) return rng.int(this.size)
    return searchCumulative(cdf, rng.float() * cdf[cdf.length - 1]!)
  }
}

/**
 * Samples negatives for every positive interaction: items the user has no interaction with,
 * drawn uniformly or by popularity^alpha, seeded, into typed arrays. A user who has interacted with
 * every item (or every item of nonzero popularity) gets fewer negatives; the shortfall is returned.
 *
 * @example
 * ```ts
 * const neg = sampleNegatives(train, { perPositive: 4, strategy: 'popularity', seed: 1 })
 * neg.items.length // about 4 × nnz(train)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for bad options.
 */
export function sampleNegatives(data: Interactions, opts: NegativeSamplingOptions = {}): NegativeSamples & { shortfall: number } {
  const per = checkNumber('perPositive', opts.perPositive ?? 1, { integer: true, min: 0 })
  const maxTries = checkNumber('maxTries', opts.maxTries ?? 100, { integer: true, min: 1 })
  const sampler = new ItemSampler(data, { strategy: opts.strategy ?? 'uniform', alpha: opts.alpha ?? 0.75 })
  const rng = new Random(opts.seed ?? 42)
  const n = nnz(data)
  const total = n * per
  const users = new Int32Array(total)
  const items = new Int32Array(total)
  const positives = new Int32Array(total)
  const mark = new Int32Array(data.items.size)
  let p = 0
  let shortfall = 0
  for (let u = 0; u < data.users.size; u++) {
    const a = data.indptr[u]!
    const b = data.indptr[u + 1]!
    if (a === b) continue
    const stamp = u + 1
    for (let k = a; k < b; k++) mark[data.indices[k]!] = stamp
    for (let k = a; k < b; k++) {
      for (let j = 0; j < per; j++) {
        let got = -1
        for (let t = 0; t < maxTries; t++) {
          const i = sampler.draw(rng)
          if (mark[i] !== stamp) {
            got = i
            break
          }
        }
        if (got < 0) {
          shortfall++
          continue
        }
        users[p] = u
        items[p] = got
        positives[p] = k
        p++
      }
    }
  }
  return { users: users.slice(0, p), items: items.slice(0, p), positives: positives.slice(0, p), shortfall }
}
