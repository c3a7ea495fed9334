import { Random, filterEntries, throwIfAborted, type Interactions } from '@recforge/core'

/**
 * Lower edges of the user-evidence buckets of the learned blend (interactions in training):
 * 1, 2, 3–4, 5–9, 10–19 and 20 or more. Users with none use the first bucket.
 */
export const BLEND_LEVELS: readonly number[] = [1, 2, 3, 5, 10, 20]

/** Blend features, in weight order: CF score, content score, item popularity (log count). */
export const BLEND_FEATURES = ['cf', 'content', 'popularity'] as const

/** Bucket of a user with `n` training interactions. */
export function blendBucket(n: number): number {
  let b = 0
  while (b + 1 < BLEND_LEVELS.length && n >= BLEND_LEVELS[b + 1]!) b++
  return b
}

/** Validation users cut out of a training set, each cut down to the evidence of one bucket. */
export interface ValidationSlice {
  /** The training data with every validation user reduced to what they keep. */
  readonly train: Interactions
  /** What the validation users lost: the items to find again. */
  readonly targets: Interactions
  /** Validation users, ascending. */
  readonly users: Int32Array
  /** Each validation user's bucket (parallel to `users`). */
  readonly buckets: Int32Array
}

/**
 * Picks a seeded share of the users (at most `maxUsers`) long enough for every bucket (at least
 * 25 interactions; any user with two or more when fewer than `6 / fraction` users are that long)
 * and deals them round-robin into the blend buckets. A user in a new-user bucket keeps that bucket's number of earliest interactions (by
 * timestamp, ties by input order), the onboarding answers of a new user; a user in the last
 * bucket keeps a random 80% of theirs (a warm user). Users too short for their bucket go to the
 * largest bucket they can fill with at least one interaction left to find. `undefined` when no
 * user can be cut.
 */
export function carveValidation(data: Interactions, opts: { fraction: number; maxUsers: number; seed: number }): ValidationSlice | undefined {
  const rng = new Random(opts.seed)
  const nu = data.users.size
  const len = (u: number) => data.indptr[u + 1]! - data.indptr[u]!
  const last = BLEND_LEVELS.length - 1
  const warmMin = Math.ceil(BLEND_LEVELS[last]! / 0.8)
  // users long enough for every bucket; short histories only when there are too few of those
  let candidates: number[] = []
  for (let u = 0; u < nu; u++) if (len(u) >= warmMin) candidates.push(u)
  if (candidates.length < BLEND_LEVELS.length / opts.fraction) {
    candidates = []
    for (let u = 0; u < nu; u++) if (len(u) > BLEND_LEVELS[0]!) candidates.push(u)
  }
  const m = Math.min(opts.maxUsers, Math.round(opts.fraction * candidates.length))
  if (m === 0) return undefined
  const perm = rng.permutation(candidates.length)
  const chosen = Array.from({ length: m }, (_, j) => candidates[perm[j]!]!)
  const keep = new Uint8Array(data.indices.length).fill(1)
  const bucketOf = new Int32Array(nu).fill(-1)
  chosen.forEach((u, j) => {
    const n = len(u)
    let b = j % BLEND_LEVELS.length
    const fits = (x: number) => (x === last ? n >= warmMin : n > BLEND_LEVELS[x]!)
    while (b > 0 && !fits(b)) b--
    const a = data.indptr[u]!
    const order = Array.from({ length: n }, (_, i) => a + i)
    if (b === last) {
      rng.shuffle(order)
      for (let i = Math.floor(0.8 * n); i < n; i++) keep[order[i]!] = 0
    } else {
      if (data.timestamps) order.sort((x, y) => data.timestamps![x]! - data.timestamps![y]! || x - y)
      for (let i = BLEND_LEVELS[b]!; i < n; i++) keep[order[i]!] = 0
    }
    bucketOf[u] = b
  })
  const users = Int32Array.from(chosen).sort()
  return {
    train: filterEntries(data, (k) => keep[k] === 1),
    targets: filterEntries(data, (k) => keep[k] === 0),
    users,
    buckets: Int32Array.from(users, (u) => bucketOf[u]!),
  }
}

/** One validation user's standardised features over the whole catalogue and what they should find. */
export interface BlendCase {
  /** `BLEND_FEATURES.length` arrays of one score per item. */
  readonly features: readonly Float32Array[]
  /** Items the user kept (never recommended). */
  readonly seen: Int32Array
  /** Items the user should find. */
  readonly targets: Int32Array
  /** Weight of this user in the mean. Defaults to 1. */
  readonly weight?: number
}

/** Weighted mean ndcg@k of the blend `w` over `cases` (binary relevance, log2 discounts). */
export function blendNdcg(cases: readonly BlendCase[], w: ArrayLike<number>, k: number, scratch?: Float32Array): number {
  if (cases.length === 0) return 0
  const n = cases[0]!.features[0]!.length
  const s = scratch ?? new Float32Array(n)
  const topScore = new Float32Array(k)
  const topItem = new Int32Array(k)
  const mark = new Uint8Array(n)
  let total = 0
  let weights = 0
  for (const c of cases) {
    s.fill(0)
    for (let f = 0; f < c.features.length; f++) {
      const wf = w[f]!
      if (wf === 0) continue
      const x = c.features[f]!
      for (let i = 0; i < n; i++) s[i] = s[i]! + wf * x[i]!
    }
    for (const i of c.seen) s[i] = Number.NEGATIVE_INFINITY
    // k best by insertion: ties keep the lower item index first, as core's topK does
    let filled = 0
    for (let i = 0; i < n; i++) {
      const v = s[i]!
      if (filled === k && v <= topScore[k - 1]!) continue
      let p = filled < k ? filled++ : k - 1
      while (p > 0 && topScore[p - 1]! < v) {
        topScore[p] = topScore[p - 1]!
        topItem[p] = topItem[p - 1]!
        p--
      }
      topScore[p] = v
      topItem[p] = i
    }
    for (const t of c.targets) mark[t] = 1
    let dcg = 0
    for (let r = 0; r < filled; r++) if (mark[topItem[r]!] && topScore[r]! > Number.NEGATIVE_INFINITY) dcg += 1 / Math.log2(r + 2)
    for (const t of c.targets) mark[t] = 0
    let idcg = 0
    for (let r = 0; r < Math.min(k, c.targets.length); r++) idcg += 1 / Math.log2(r + 2)
    const cw = c.weight ?? 1
    total += (cw * dcg) / idcg
    weights += cw
  }
  return weights > 0 ? total / weights : 0
}

/**
 * Searches the simplex of non-negative weights summing to one for the blend with the best mean
 * ndcg@k on `cases`: a grid of step 0.1, then step 0.025 around the best point. Ties keep the
 * point found first; the grid starts at CF alone, so a blend is only chosen when it does better
 * than CF on the validation users.
 */
export function searchBlend(cases: readonly BlendCase[], k: number, signal?: AbortSignal): { weights: Float64Array; ndcg: number } {
  const f = BLEND_FEATURES.length
  const scratch = new Float32Array(cases[0]?.features[0]?.length ?? 0)
  let best: Float64Array = Float64Array.from({ length: f }, (_, i) => (i === 0 ? 1 : 0))
  let bestNdcg = blendNdcg(cases, best, k, scratch)
  const tried = new Set<string>([key(best)])
  const visit = (w: Float64Array) => {
    const id = key(w)
    if (tried.has(id)) return
    tried.add(id)
    const v = blendNdcg(cases, w, k, scratch)
    if (v > bestNdcg + 1e-12) {
      best = w
      bestNdcg = v
    }
  }
  const simplex = (step: number, center: Float64Array | undefined, radius: number) => {
    const steps = Math.round(1 / step)
    for (let a = 0; a <= steps; a++) {
      for (let b = 0; a + b <= steps; b++) {
        const w = Float64Array.of(a * step, b * step, (steps - a - b) * step)
        if (center && w.some((x, i) => Math.abs(x - center[i]!) > radius + 1e-9)) continue
        throwIfAborted(signal, 'hybrid blend search')
        visit(w)
      }
    }
  }
  simplex(0.1, undefined, 1)
  simplex(0.025, best, 0.1)
  return { weights: best, ndcg: bestNdcg }
}

function key(w: Float64Array): string {
  return Array.from(w, (x) => x.toFixed(4)).join(',')
}
