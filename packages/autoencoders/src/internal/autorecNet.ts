import type { ItemMajor } from '@recforge/core'

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

/**
 * The flat parameters of an I-AutoRec over `users` users with `k` hidden units: V (users × k; the
 * encoder, row u multiplies user u's rating), μ (k), W (users × k; the decoder, row u gives user
 * u's output), b (users).
 */
export interface AutoRecLayout {
  readonly users: number
  readonly k: number
  readonly v: number
  readonly mu: number
  readonly w: number
  readonly b: number
  readonly size: number
}

/** The {@link AutoRecLayout} of `users` users and `k` hidden units. */
export function autoRecLayout(users: number, k: number): AutoRecLayout {
  return { users, k, v: 0, mu: users * k, w: users * k + k, b: 2 * users * k + k, size: 2 * users * k + k + users }
}

/** The activations of an I-AutoRec and the rating range a sigmoid output is scaled to. */
export interface AutoRecShape {
  readonly hidden: 'sigmoid' | 'identity'
  readonly output: 'identity' | 'sigmoid'
  /** Lowest and highest training rating. */
  readonly range: Float32Array
}

/** Scratch space of one item, k values each. */
export interface AutoRecWork {
  readonly a: Float64Array
  readonly h: Float64Array
  readonly dh: Float64Array
}

/** Scratch space for {@link itemLossAndGrad} with `k` hidden units. */
export function autoRecWork(k: number): AutoRecWork {
  return { a: new Float64Array(k), h: new Float64Array(k), dh: new Float64Array(k) }
}

/** The prediction f(s) for an output pre-activation s. */
export function autoRecOutput(s: number, shape: AutoRecShape): number {
  return shape.output === 'sigmoid' ? shape.range[0]! + (shape.range[1]! - shape.range[0]!) * sigmoid(s) : s
}

/** Hidden pre-activations μ + Σ_u r_ui V_u of item i, into `a`. */
function encodeItem(p: Float32Array, L: AutoRecLayout, byItem: ItemMajor, i: number, a: Float64Array): void {
  const k = L.k
  for (let j = 0; j < k; j++) a[j] = p[L.mu + j]!
  for (let q = byItem.indptr[i]!; q < byItem.indptr[i + 1]!; q++) {
    const r = byItem.values[q]!
    const vo = L.v + byItem.indices[q]! * k
    for (let j = 0; j < k; j++) a[j]! += r * p[vo + j]!
  }
}

/**
 * Forward and backward of item i on its observed ratings only: returns Σ_u (r̂_ui − r_ui)² over
 * the users who rated i and adds its gradient to `g`.
 */
export function itemLossAndGrad(p: Float32Array, g: Float32Array, L: AutoRecLayout, byItem: ItemMajor, i: number, shape: AutoRecShape, work: AutoRecWork): number {
  const k = L.k
  const { a, h, dh } = work
  encodeItem(p, L, byItem, i, a)
  const sig = shape.hidden === 'sigmoid'
  for (let j = 0; j < k; j++) h[j] = sig ? sigmoid(a[j]!) : a[j]!
  dh.fill(0)
  let sse = 0
  const outSig = shape.output === 'sigmoid'
  const span = shape.range[1]! - shape.range[0]!
  for (let q = byItem.indptr[i]!; q < byItem.indptr[i + 1]!; q++) {
    const u = byItem.indices[q]!
    const wo = L.w + u * k
    let s = p[L.b + u]!
    for (let j = 0; j < k; j++) s += p[wo + j]! * h[j]!
    const err = autoRecOutput(s, shape) - byItem.values[q]!
    sse += err * err
    let de = 2 * err
    if (outSig) {
      const t = sigmoid(s)
      de *= span * t * (1 - t)
    }
    g[L.b + u]! += de
    for (let j = 0; j < k; j++) {
      g[wo + j]! += de * h[j]!
      dh[j]! += de * p[wo + j]!
    }
  }
  // through g: da = dh ⊙ g'(a), then μ and the rows of V that item i's ratings touch
  for (let j = 0; j < k; j++) {
    const da = sig ? dh[j]! * h[j]! * (1 - h[j]!) : dh[j]!
    dh[j] = da
    g[L.mu + j]! += da
  }
  for (let q = byItem.indptr[i]!; q < byItem.indptr[i + 1]!; q++) {
    const r = byItem.values[q]!
    const vo = L.v + byItem.indices[q]! * k
    for (let j = 0; j < k; j++) g[vo + j]! += r * dh[j]!
  }
  return sse
}

/**
 * Adds the gradient of `share` × (λ/2)(‖W‖² + ‖V‖²) to `g` and returns that penalty: a batch of
 * items carries its share of the once-per-pass penalty.
 */
export function penaltyGrad(p: Float32Array, g: Float32Array, L: AutoRecLayout, lambda: number, share: number): number {
  const r = lambda * share
  if (r === 0) return 0
  let sq = 0
  for (const start of [L.v, L.w]) {
    for (let j = start; j < start + L.users * L.k; j++) {
      const w = p[j]!
      sq += w * w
      g[j]! += r * w
    }
  }
  return 0.5 * r * sq
}

/** The code h_i = g(μ + Σ_u r_ui V_u) of every item from its training ratings (items × k; g(μ) for an item without ratings). */
export function itemCodes(p: Float32Array, L: AutoRecLayout, byItem: ItemMajor, items: number, shape: AutoRecShape): Float32Array {
  const k = L.k
  const codes = new Float32Array(items * k)
  const a = new Float64Array(k)
  for (let i = 0; i < items; i++) {
    encodeItem(p, L, byItem, i, a)
    for (let j = 0; j < k; j++) codes[i * k + j] = shape.hidden === 'sigmoid' ? sigmoid(a[j]!) : a[j]!
  }
  return codes
}
