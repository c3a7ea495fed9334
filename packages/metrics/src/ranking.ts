import { RecForgeError } from '@recforge/core'

/** A set of relevant item indices: a `Set` or an `Int32Array` (duplicates are ignored). */
export type RelevantItems = Int32Array | ReadonlySet<number>

/** Per-list ranking figures at a cut-off, computed in one pass over the hit flags. */
export interface RankingFigures {
  precision: number
  recall: number
  f1: number
  ndcg: number
  map: number
  mrr: number
  hit: number
}

function checkK(k: number, where: string): void {
  if (!Number.isInteger(k) || k < 1) throw new RecForgeError('INVALID_ARGUMENT', `${where}: k must be a positive integer; got ${String(k)}`)
}

function toSet(relevant: RelevantItems): ReadonlySet<number> {
  return relevant instanceof Int32Array ? new Set(relevant) : relevant
}

// 1 / log2(p + 2) for 0-based positions, cached so the harness never recomputes logarithms.
let discountCache = new Float64Array(0)
/** `discounts()[p]` is 1 / log2(p + 2), the DCG discount of 0-based position `p`. @internal */
export function discounts(k: number): Float64Array {
  if (discountCache.length < k) {
    const d = new Float64Array(Math.max(k, 2 * discountCache.length))
    for (let p = 0; p < d.length; p++) d[p] = 1 / Math.log2(p + 2)
    discountCache = d
  }
  return discountCache
}

/**
 * All ranking figures for one list from its hit flags: `hits[p]` is 1 when the item at 0-based
 * position `p < k` is relevant (each relevant item flagged at most once) and `numRelevant` is the
 * number of distinct relevant items. Precision divides by `k`; NDCG and MAP use the ideal of
 * min(k, numRelevant) hits (EVAL.md). @internal
 */
export function rankingFigures(hits: Uint8Array, listLength: number, numRelevant: number, k: number): RankingFigures {
  const n = Math.min(listLength, k)
  const disc = discounts(k)
  let nHits = 0
  let dcg = 0
  let apSum = 0
  let firstHit = -1
  for (let p = 0; p < n; p++) {
    if (hits[p] === 0) continue
    nHits++
    dcg += disc[p]!
    apSum += nHits / (p + 1)
    if (firstHit < 0) firstHit = p
  }
  const ideal = Math.min(k, numRelevant)
  let idcg = 0
  for (let p = 0; p < ideal; p++) idcg += disc[p]!
  const precision = nHits / k
  const recall = numRelevant > 0 ? nHits / numRelevant : 0
  return {
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    ndcg: idcg > 0 ? dcg / idcg : 0,
    map: ideal > 0 ? apSum / ideal : 0,
    mrr: firstHit >= 0 ? 1 / (firstHit + 1) : 0,
    hit: nHits > 0 ? 1 : 0,
  }
}

/**
 * Computes every ranking figure of `ranked` (best first) against `relevant` at cut-off `k`.
 * A relevant item that appears twice in `ranked` counts once.
 *
 * @example
 * ```ts
 * rankingAtK(Int32Array.of(3, 1, 2), new Set([1]), 3) // { precision: 1/3, recall: 1, ndcg: 1/log2(3), mrr: 0.5, ... }
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `k` is not a positive integer.
 */
export function rankingAtK(ranked: Int32Array, relevant: RelevantItems, k: number): RankingFigures {
  checkK(k, 'rankingAtK')
  const rel = toSet(relevant)
  const n = Math.min(ranked.length, k)
  const hits = new Uint8Array(n)
  const found = new Set<number>()
  for (let p = 0; p < n; p++) {
    const item = ranked[p]!
    if (rel.has(item) && !found.has(item)) {
      hits[p] = 1
      found.add(item)
    }
  }
  return rankingFigures(hits, n, rel.size, k)
}

/** A metric of one ranked list at cut-off `k` against the relevant items. */
export type RankingMetric = (ranked: Int32Array, relevant: RelevantItems, k: number) => number

/** The metric that reads `field` of {@link rankingAtK}, its errors naming it `name`. */
function figureAtK(field: keyof RankingFigures, name: string): RankingMetric {
  return (ranked, relevant, k) => {
    checkK(k, name)
    return rankingAtK(ranked, relevant, k)[field]
  }
}

/**
 * Precision at `k`: relevant items among the first `k`, divided by `k` (a list shorter than `k` is not rewarded).
 *
 * @example
 * ```ts
 * precisionAtK(Int32Array.of(5, 2, 9), new Set([2, 7]), 2) // 0.5
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `k` is not a positive integer.
 */
export const precisionAtK: RankingMetric = figureAtK('precision', 'precisionAtK')

/**
 * Recall at `k`: relevant items among the first `k`, divided by the number of relevant items (0 when there are none).
 *
 * @example
 * ```ts
 * recallAtK(Int32Array.of(5, 2, 9), new Set([2, 7]), 2) // 0.5
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `k` is not a positive integer.
 */
export const recallAtK: RankingMetric = figureAtK('recall', 'recallAtK')

/**
 * F1 at `k`: the harmonic mean of precision and recall at `k` (0 when both are 0).
 *
 * @example
 * ```ts
 * f1AtK(Int32Array.of(5, 2, 9), new Set([2, 7]), 2) // 0.5
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `k` is not a positive integer.
 */
export const f1AtK: RankingMetric = figureAtK('f1', 'f1AtK')

/**
 * NDCG at `k` with binary relevance and log2 discounts; the ideal DCG counts min(k, |relevant|) hits.
 *
 * @example
 * ```ts
 * ndcgAtK(Int32Array.of(4, 1), new Set([1]), 2) // 1 / log2(3) ≈ 0.6309
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `k` is not a positive integer.
 */
export const ndcgAtK: RankingMetric = figureAtK('ndcg', 'ndcgAtK')

/**
 * Average precision at `k`: the sum of precision@p over hit positions p ≤ k, divided by min(k, |relevant|).
 *
 * @example
 * ```ts
 * mapAtK(Int32Array.of(1, 9, 2), new Set([1, 2]), 3) // (1/1 + 2/3) / 2 ≈ 0.8333
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `k` is not a positive integer.
 */
export const mapAtK: RankingMetric = figureAtK('map', 'mapAtK')

/**
 * Reciprocal rank at `k`: 1 / (position of the first relevant item), 0 when none is in the first `k`.
 *
 * @example
 * ```ts
 * mrrAtK(Int32Array.of(9, 8, 2), new Set([2]), 3) // 1/3
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `k` is not a positive integer.
 */
export const mrrAtK: RankingMetric = figureAtK('mrr', 'mrrAtK')

/**
 * Hit rate at `k`: 1 when at least one relevant item is in the first `k`, else 0.
 *
 * @example
 * ```ts
 * hitRateAtK(Int32Array.of(9, 8, 2), new Set([2]), 2) // 0
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `k` is not a positive integer.
 */
export const hitRateAtK: RankingMetric = figureAtK('hit', 'hitRateAtK')

/**
 * Area under the ROC curve of one user's scores: the share of (positive, negative) pairs where the
 * positive scores higher, ties counting one half. NaN scores rank below every number.
 * Runs in O((P + N) log P).
 *
 * @example
 * ```ts
 * auc(Float32Array.of(0.9, 0.3), Float32Array.of(0.5, 0.1, 0.3)) // (3 + 1.5) / 6 = 0.75
 * ```
 * @throws RecForgeError EMPTY_INPUT when either side is empty.
 */
export function auc(positiveScores: ArrayLike<number>, negativeScores: ArrayLike<number>): number {
  const np = positiveScores.length
  const nn = negativeScores.length
  if (np === 0 || nn === 0) throw new RecForgeError('EMPTY_INPUT', `auc needs at least one positive and one negative score; got ${np} positive and ${nn} negative`)
  const pos = new Float64Array(np)
  for (let j = 0; j < np; j++) pos[j] = nanLow(positiveScores[j]!)
  pos.sort()
  let wins = 0
  for (let j = 0; j < nn; j++) wins += positivesAbove(pos, nanLow(negativeScores[j]!))
  return wins / (np * nn)
}

function nanLow(x: number): number {
  return x === x ? x : -Infinity
}

/** For sorted `pos`, the number of entries greater than `s` plus half of those equal to `s`. @internal */
export function positivesAbove(pos: Float64Array, s: number): number {
  // first index with pos[i] >= s, first index with pos[i] > s
  let lo = 0
  let hi = pos.length
  while (lo < hi) {
    const m = (lo + hi) >>> 1
    if (pos[m]! < s) lo = m + 1
    else hi = m
  }
  const geq = lo
  hi = pos.length
  while (lo < hi) {
    const m = (lo + hi) >>> 1
    if (pos[m]! <= s) lo = m + 1
    else hi = m
  }
  return pos.length - lo + 0.5 * (lo - geq)
}
