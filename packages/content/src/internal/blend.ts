import { Random, filterEntries, throwIfAborted, topK, type Interactions } from '@recforge/core'
import { ndcgAtK } from '@recforge/metrics'

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
 * Cuts validation users out of `data`, from the users long enough for every bucket (at least 25
 * interactions; any user with two or more when fewer than `6 / fraction` users are that long),
 * in a seeded order. The first `fraction` of them (at most `maxUsers`) are dealt round-robin into
 * the new-user buckets and keep that bucket's number of earliest interactions (by timestamp, ties
 * by input order): the onboarding answers of a new user; one too short for its bucket goes to the
 * largest one it can fill with an interaction left to find. Then `fraction` of the rest (at most
 * `maxUsers`) keep a random 80% of theirs: warm users, in the bucket of what they keep.
 * `undefined` when no user can be cut.
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
  const perm = rng.permutation(candidates.length)
  const fresh = Math.min(opts.maxUsers, Math.round(opts.fraction * candidates.length))
  const warm = Math.min(opts.maxUsers, Math.round(opts.fraction * (candidates.length - fresh)))
  if (fresh + warm === 0) return undefined
  const keep = new Uint8Array(data.indices.length).fill(1)
  const bucketOf = new Int32Array(nu).fill(-1)
  for (let j = 0; j < fresh + warm; j++) {
    const u = candidates[perm[j]!]!
    const n = len(u)
    const a = data.indptr[u]!
    const order = Array.from({ length: n }, (_, i) => a + i)
    let kept: number
    if (j < fresh) {
      let b = j % last
      while (b > 0 && n <= BLEND_LEVELS[b]!) b--
      if (data.timestamps) order.sort((x, y) => data.timestamps![x]! - data.timestamps![y]! || x - y)
      kept = BLEND_LEVELS[b]!
    } else {
      rng.shuffle(order)
      kept = Math.max(1, Math.floor(0.8 * n))
    }
    for (let i = kept; i < n; i++) keep[order[i]!] = 0
    bucketOf[u] = blendBucket(kept)
  }
  const users = Int32Array.from({ length: fresh + warm }, (_, j) => candidates[perm[j]!]!).sort()
  return {
    train: filterEntries(data, (k) => keep[k] === 1),
    targets: filterEntries(data, (k) => keep[k] === 0),
    users,
    buckets: Int32Array.from(users, (u) => bucketOf[u]!),
  }
}

/** One validation user's standardised features and what they should find. */
export interface BlendCase {
  /** `BLEND_FEATURES.length` arrays of one score per item: the catalogue, or `candidates`. */
  readonly features: readonly Float32Array[]
  /** The items `features` score, ascending ({@link compactCase}). Defaults to the whole catalogue. */
  readonly candidates?: Int32Array
  /** Items the user kept (never recommended). */
  readonly seen: Int32Array
  /** Items the user should find. */
  readonly targets: Int32Array
  /** Weight of this user in the mean. Defaults to 1. */
  readonly weight?: number
}

/**
 * The same case over only the items that can reach the top `k` under some blend. A blend with
 * non-negative weights summing to one scores an item between its smallest and largest feature,
 * so an item whose largest feature is below the k-th largest smallest feature (of unseen items)
 * is beaten by k items whatever the weights. The candidates keep their order, so ties break as
 * before, and {@link blendNdcg} gives the same value for every such blend.
 */
export function compactCase(c: BlendCase, k: number): BlendCase {
  const n = c.features[0]!.length
  const lo = new Float32Array(n).fill(Number.POSITIVE_INFINITY)
  const hi = new Float32Array(n).fill(Number.NEGATIVE_INFINITY)
  for (const x of c.features) {
    for (let i = 0; i < n; i++) {
      const v = x[i]!
      if (v < lo[i]!) lo[i] = v
      if (v > hi[i]!) hi[i] = v
    }
  }
  const seen = new Uint8Array(n)
  for (const i of c.seen) seen[i] = 1
  const floors: number[] = []
  for (let i = 0; i < n; i++) if (!seen[i]) floors.push(lo[i]!)
  if (floors.length <= k) return c
  floors.sort((a, b) => b - a)
  const bar = floors[k - 1]!
  const keep: number[] = []
  for (let i = 0; i < n; i++) if (!seen[i] && hi[i]! >= bar) keep.push(i)
  const item = (i: number) => (c.candidates ? c.candidates[i]! : i)
  return {
    features: c.features.map((x) => Float32Array.from(keep, (i) => x[i]!)),
    candidates: Int32Array.from(keep, item),
    seen: new Int32Array(0),
    targets: c.targets,
    ...(c.weight !== undefined ? { weight: c.weight } : {}),
  }
}

/** Weighted mean ndcg@k of the blend `w` over `cases` (binary relevance, log2 discounts, as `@recforge/metrics`). */
export function blendNdcg(cases: readonly BlendCase[], w: ArrayLike<number>, k: number): number {
  if (cases.length === 0) return 0
  const scratch = new Float32Array(Math.max(...cases.map((c) => c.features[0]!.length)))
  let total = 0
  let weights = 0
  for (const c of cases) {
    const s = scratch.subarray(0, c.features[0]!.length)
    s.fill(0)
    for (let f = 0; f < c.features.length; f++) {
      const wf = w[f]!
      if (wf === 0) continue
      const x = c.features[f]!
      for (let i = 0; i < s.length; i++) s[i] = s[i]! + wf * x[i]!
    }
    const ranked = topK(s, k, { ...(c.candidates ? { candidates: c.candidates } : {}), exclude: c.seen }).items
    const cw = c.weight ?? 1
    total += cw * ndcgAtK(ranked, c.targets, k)
    weights += cw
  }
  return weights > 0 ? total / weights : 0
}

/**
 * Searches the simplex of non-negative weights summing to one for the blend with the best mean
 * ndcg@k on `cases`: a grid of step 0.1, then step 0.025 around the best point. The search starts
 * at CF alone and walks from more CF weight to less, and ties keep the point found first, so a
 * blend only leaves CF for a gain on the validation users.
 */
export function searchBlend(cases: readonly BlendCase[], k: number, signal?: AbortSignal): { weights: Float64Array; ndcg: number } {
  const f = BLEND_FEATURES.length
  let best: Float64Array = Float64Array.from({ length: f }, (_, i) => (i === 0 ? 1 : 0))
  let bestNdcg = blendNdcg(cases, best, k)
  const tried = new Set<string>([key(best)])
  const visit = (w: Float64Array) => {
    const id = key(w)
    if (tried.has(id)) return
    tried.add(id)
    throwIfAborted(signal, 'hybrid blend search')
    const v = blendNdcg(cases, w, k)
    if (v > bestNdcg + 1e-12) {
      best = w
      bestNdcg = v
    }
  }
  const simplex = (step: number, center: Float64Array | undefined, radius: number) => {
    const steps = Math.round(1 / step)
    for (let a = steps; a >= 0; a--) {
      for (let b = 0; a + b <= steps; b++) {
        const w = Float64Array.of(a / steps, b / steps, (steps - a - b) / steps)
        if (center && w.some((x, i) => Math.abs(x - center[i]!) > radius + 1e-9)) continue
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
