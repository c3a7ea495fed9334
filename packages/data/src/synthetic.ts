import { checkNumber, nnz, Random, rangeVocabulary, RecForgeError, searchCumulative, throwIfAborted, type Interactions, type ItemSideInfo, type RunOptions } from '@recforge/core'
import type { Dataset } from './types'

/** Sizes of the named synthetic presets. */
export interface SyntheticSize {
  users: number
  items: number
  interactions: number
}

/** Named presets: `small` (~1k users), `ml100k` (943 × 1682, 100k), `1m` (6040 × 3706, 1M), `10m` (69,878 × 10,677), `20m` (138,493 × 26,744, 20M). */
export const SYNTHETIC_PRESETS: Readonly<Record<'small' | 'ml100k' | '1m' | '10m' | '20m', SyntheticSize>> = {
  small: { users: 1000, items: 1500, interactions: 50_000 },
  ml100k: { users: 943, items: 1682, interactions: 100_000 },
  '1m': { users: 6040, items: 3706, interactions: 1_000_000 },
  '10m': { users: 69_878, items: 10_677, interactions: 10_000_000 },
  '20m': { users: 138_493, items: 26_744, interactions: 20_000_000 },
}

/** A preset name of {@link SYNTHETIC_PRESETS}. */
export type SyntheticPreset = keyof typeof SYNTHETIC_PRESETS

/** Options for {@link generateSynthetic}. */
export interface SyntheticOptions extends RunOptions {
  /** Number of users. Defaults to `1000`. */
  users?: number
  /** Number of items. Defaults to `1500`. */
  items?: number
  /** Number of interactions (exact; no (user, item) pair repeats). Defaults to `50000`. */
  interactions?: number
  /** Latent dimensions. Defaults to `16`. */
  factors?: number
  /** Taste clusters (each with its genre and title words). Defaults to `20`. */
  clusters?: number
  /** Zipf exponent of item popularity. Defaults to `1`. */
  zipf?: number
  /** Share of each user's picks drawn from their two favourite clusters. Defaults to `0.8`. */
  focus?: number
  /** Std of rating noise. Defaults to `0.5`. */
  noise?: number
  /** Fewest interactions per user (lowered when the total does not allow it). Defaults to `20`. */
  minPerUser?: number
  /** First and last timestamp, in seconds. Defaults to `[946684800, 1609459200]` (2000-01-01 .. 2021-01-01). */
  timeRange?: readonly [number, number]
  /** Generate titles and genres as item side information. Defaults to `true`. */
  itemText?: boolean
  /** Seed. Defaults to `42`. */
  seed?: number
}

const GENRES = ['Action', 'Adventure', 'Animation', 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western', 'Family', 'History', 'Sport', 'Music']
const THEMES = [
  'Dragon', 'Heist', 'Robot', 'Detective', 'Galaxy', 'Ghost', 'Kingdom', 'Love', 'Soldier', 'Ocean', 'Desert', 'Circus', 'Vampire', 'Spy', 'Pirate', 'Witch', 'Samurai', 'Astronaut', 'Cowboy', 'Chef',
  'Jungle', 'Island', 'Train', 'Storm', 'Mountain', 'River', 'Castle', 'Empire', 'Planet', 'Garden',
]
const ADJECTIVES = ['Last', 'Silent', 'Lost', 'Broken', 'Golden', 'Dark', 'Hidden', 'Secret', 'Final', 'Eternal', 'Wild', 'Crimson', 'Frozen', 'Burning', 'Little', 'Great', 'Midnight', 'Forgotten', 'Brave', 'Electric']

function cumulative(weights: Float64Array, order: Int32Array, from: number, to: number, out: Float64Array): void {
  let acc = 0
  for (let j = from; j < to; j++) {
    acc += weights[order[j]!]!
    out[j] = acc
  }
}

/**
 * Generates a seeded synthetic dataset with latent structure: items belong to taste clusters with
 * Zipf-skewed popularity; each user favours two clusters; ratings 1..5 come from user and item
 * biases plus the dot product of latent factors plus noise; timestamps increase within each user;
 * titles and genres carry the cluster, so item text agrees with taste. Everything is built in
 * typed arrays (no per-row objects), so the `20m` preset fits in a few hundred MB.
 *
 * @example
 * ```ts
 * const ds = generateSynthetic('ml100k')            // 943 users, 1682 items, 100,000 ratings
 * const big = generateSynthetic({ users: 5000, items: 2000, interactions: 300_000, seed: 7 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an unknown preset or sizes that cannot hold the interactions without repeats.
 */
export function generateSynthetic(spec: SyntheticPreset | SyntheticOptions = 'small', extra: SyntheticOptions = {}): Dataset {
  let o: SyntheticOptions
  if (typeof spec === 'string') {
    const p = SYNTHETIC_PRESETS[spec]
    if (!p) throw new RecForgeError('INVALID_ARGUMENT', `unknown synthetic preset ${JSON.stringify(spec)}; expected one of ${Object.keys(SYNTHETIC_PRESETS).join(', ')}`)
    o = { ...p, ...extra }
  } else o = { ...spec, ...extra }
  const nu = checkNumber('users', o.users ?? 1000, { integer: true, min: 1 })
  const ni = checkNumber('items', o.items ?? 1500, { integer: true, min: 1 })
  const total = checkNumber('interactions', o.interactions ?? 50_000, { integer: true, min: 0 })
  const d = checkNumber('factors', o.factors ?? 16, { integer: true, min: 1 })
  const nc = Math.min(ni, checkNumber('clusters', o.clusters ?? 20, { integer: true, min: 1 }))
  const s = checkNumber('zipf', o.zipf ?? 1, { min: 0 })
  const focus = checkNumber('focus', o.focus ?? 0.8, { min: 0, max: 1 })
  const noise = checkNumber('noise', o.noise ?? 0.5, { min: 0 })
  const [t0, t1] = o.timeRange ?? [946_684_800, 1_609_459_200]
  const cap = Math.max(1, Math.floor(ni * 0.6))
  if (total > nu * cap) throw new RecForgeError('INVALID_ARGUMENT', `${total} interactions cannot fit ${nu} users × ${ni} items with at most ${cap} items per user; lower interactions or raise users/items`)
  const rng = new Random(o.seed ?? 42)

  // items: cluster, popularity rank (Zipf weight), latent vector, bias
  const cluster = new Int32Array(ni)
  for (let i = 0; i < ni; i++) cluster[i] = i < nc ? i : rng.int(nc)
  const rank = rng.permutation(ni)
  const weight = new Float64Array(ni)
  for (let i = 0; i < ni; i++) weight[i] = 1 / Math.pow(rank[i]! + 1, s)
  const centroids = rng.fillNormal(new Float64Array(nc * d)) as Float64Array
  const itemVec = new Float32Array(ni * d)
  const itemBias = new Float32Array(ni)
  for (let i = 0; i < ni; i++) {
    const c = cluster[i]!
    for (let f = 0; f < d; f++) itemVec[i * d + f] = centroids[c * d + f]! + 0.5 * rng.normal()
    itemBias[i] = rng.normal(0, 0.4) + 0.3 * (Math.log(weight[i]! * ni) / Math.log(ni + 1) - 0.5)
  }
  // cluster-major order of items with per-cluster and global cumulative weights
  const byCluster = new Int32Array(ni)
  const cStart = new Int32Array(nc + 1)
  for (let i = 0; i < ni; i++) cStart[cluster[i]! + 1]!++
  for (let c = 0; c < nc; c++) cStart[c + 1]! += cStart[c]!
  const fill = cStart.slice(0, nc)
  for (let i = 0; i < ni; i++) byCluster[fill[cluster[i]!]!++] = i
  const cCdf = new Float64Array(ni)
  for (let c = 0; c < nc; c++) cumulative(weight, byCluster, cStart[c]!, cStart[c + 1]!, cCdf)
  const identity = new Int32Array(ni)
  for (let i = 0; i < ni; i++) identity[i] = i
  const gCdf = new Float64Array(ni)
  cumulative(weight, identity, 0, ni, gCdf)

  // interactions per user: lognormal activity, at least minPer, at most cap, summing to total exactly
  const minPer = Math.min(checkNumber('minPerUser', o.minPerUser ?? 20, { integer: true, min: 0 }), Math.floor(total / nu), cap)
  const counts = new Int32Array(nu)
  const act = new Float64Array(nu)
  let actSum = 0
  for (let u = 0; u < nu; u++) actSum += act[u] = Math.exp(rng.normal(0, 1))
  let assigned = 0
  const spare = total - minPer * nu
  for (let u = 0; u < nu; u++) {
    counts[u] = Math.min(cap, minPer + Math.floor((act[u]! / actSum) * spare))
    assigned += counts[u]!
  }
  for (let u = 0; assigned < total; u = (u + 1) % nu) {
    if (counts[u]! < cap) {
      counts[u]!++
      assigned++
    }
  }

  const indptr = new Int32Array(nu + 1)
  for (let u = 0; u < nu; u++) indptr[u + 1] = indptr[u]! + counts[u]!
  const indices = new Int32Array(total)
  const values = new Float32Array(total)
  const timestamps = new Float64Array(total)
  const mark = new Int32Array(ni)
  const uvec = new Float32Array(d)
  // a pick from the user's favourite cluster adds about +0.9 to the rating, an unrelated one about 0
  const scale = 0.9 / (0.7 * d)
  const mu = 3.15
  for (let u = 0; u < nu; u++) {
    if ((u & 4095) === 0) {
      throwIfAborted(o.signal, 'synthetic generation')
      o.onProgress?.({ stage: 'generate', current: indptr[u]!, total })
    }
    const c1 = rng.int(nc)
    const c2 = rng.int(nc)
    for (let f = 0; f < d; f++) uvec[f] = 0.7 * centroids[c1 * d + f]! + 0.3 * centroids[c2 * d + f]! + 0.5 * rng.normal()
    const ub = rng.normal(0, 0.5)
    const m = counts[u]!
    const a = indptr[u]!
    const stamp = u + 1
    const start = t0 + rng.float() * (t1 - t0) * 0.8
    const gap = ((t1 - start) / (m + 1)) * 0.9
    let t = start
    for (let j = 0; j < m; j++) {
      let item = -1
      for (let tries = 0; tries < 32 && item < 0; tries++) {
        const r = rng.float()
        let cand: number
        if (r < focus) {
          const c = r < focus * 0.7 ? c1 : c2
          const from = cStart[c]!
          const to = cStart[c + 1]!
          cand = byCluster[searchCumulative(cCdf, rng.float() * cCdf[to - 1]!, from, to)]!
        } else cand = searchCumulative(gCdf, rng.float() * gCdf[ni - 1]!)
        if (mark[cand] !== stamp) item = cand
      }
      if (item < 0) {
        // the user's favourite items are used up: take the next unused item after a random start
        let x = rng.int(ni)
        while (mark[x] === stamp) x = x + 1 === ni ? 0 : x + 1
        item = x
      }
      mark[item] = stamp
      let dot = 0
      for (let f = 0; f < d; f++) dot += uvec[f]! * itemVec[item * d + f]!
      const score = mu + ub + itemBias[item]! + scale * dot + noise * rng.normal()
      const k = a + j
      indices[k] = item
      values[k] = Math.min(5, Math.max(1, Math.round(score)))
      t += 1 + -Math.log(1 - rng.float()) * gap
      timestamps[k] = Math.floor(t)
    }
  }
  const interactions: Interactions = { users: rangeVocabulary(nu), items: rangeVocabulary(ni), indptr, indices, values, timestamps }
  let itemInfo: ItemSideInfo | undefined
  if (o.itemText ?? true) {
    const titles: string[] = new Array<string>(ni)
    const genres: string[][] = new Array<string[]>(ni)
    const years: string[] = new Array<string>(ni)
    for (let i = 0; i < ni; i++) {
      const c = cluster[i]!
      const theme = THEMES[(c * 7 + (i % 3)) % THEMES.length]!
      const adj = ADJECTIVES[(i * 2654435761) % ADJECTIVES.length >>> 0]!
      const year = 1950 + ((i * 40503) % 71)
      titles[i] = `The ${adj} ${theme} ${Math.floor(i / ADJECTIVES.length) + 1} (${year})`
      genres[i] = [GENRES[c % GENRES.length]!, ...(c >= GENRES.length || nc <= GENRES.length ? [GENRES[(c * 3 + 1) % GENRES.length]!] : [])].filter((g, j, all) => all.indexOf(g) === j)
      years[i] = String(year)
    }
    itemInfo = { titles, genres, fields: { year: years } }
  }
  o.onProgress?.({ stage: 'generate', current: total, total })
  return {
    name: 'synthetic',
    interactions,
    ...(itemInfo ? { itemInfo } : {}),
    reports: [{ file: `synthetic:${typeof spec === 'string' ? spec : 'custom'}`, rowsRead: total, rowsKept: total, skipped: {}, warnings: [] }],
  }
}
