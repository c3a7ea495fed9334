/**
 * Hot loops shared by the single-threaded path and the worker threads. The worker entry
 * (kernels.worker.ts) serves {@link mfKernels}, bundled with what they import into
 * kernels.worker.generated.ts; the calling thread runs the very same functions, which keeps both
 * paths numerically identical per row.
 */
import { choleskySolve, instantiateWasm } from '@recforge/compute'
import { Random } from '@recforge/core'

/** Arguments of {@link alsKernel}: solve rows `start..end` of one ALS half-step. */
export interface AlsKernelArgs {
  start: number
  end: number
  /** Number of factors. */
  k: number
  /** CSR of the side being solved (rows) against the fixed side (columns). */
  indptr: Int32Array
  indices: Int32Array
  values: Float32Array
  /** Fixed side's factors, row-major (columns × k). */
  fixed: Float32Array
  /** Gram matrix of the fixed side plus `reg · I` (k × k). */
  gram: Float64Array
  /** Confidence scale: c = 1 + alpha · |r|. */
  alpha: number
  /** Factors being solved, row-major (rows × k); read as the warm start of CG, then overwritten. */
  out: Float32Array
  /** Conjugate-gradient steps per row; 0 solves exactly with a Cholesky factorisation. */
  cgSteps: number
  /**
   * Penalty per interaction beyond a row's first, added to `gram`'s `reg · I` (`l2Scaling:
   * 'count'`: a row with n ≥ 1 interactions gets `reg · n` when this is `reg`). 0 for none.
   */
  countL2: number
}

/**
 * One ALS half-step over a row range (Hu, Koren & Volinsky 2008): for each row u,
 * `(G + Σ (c-1) y yᵀ) x = Σ c·p y` with G = YᵀY + λI, by warm-started conjugate gradient
 * (as the implicit library does) or an exact Cholesky solve.
 */
export function alsKernel(a: AlsKernelArgs): void {
  const { start, end, k, indptr, indices, values, fixed, gram, alpha, out, cgSteps, countL2 } = a
  // conjugate gradient: iterate x, residual r, direction p, A p; the exact solve turns r into x
  const x = new Float64Array(k)
  const r = new Float64Array(k)
  const p = new Float64Array(k)
  const ap = new Float64Array(k)
  const A = cgSteps > 0 ? new Float64Array(0) : new Float64Array(k * k)
  for (let u = start; u < end; u++) {
    const a0 = indptr[u]!
    const a1 = indptr[u + 1]!
    const xo = u * k
    // the row's penalty beyond gram's reg · I
    const extra = a1 > a0 ? countL2 * (a1 - a0 - 1) : 0
    if (cgSteps > 0) {
      for (let f = 0; f < k; f++) x[f] = out[xo + f]!
      // r = b - A x = Σ (c·p - (c-1)·(y·x)) y - G x - extra · x
      gramTimes(gram, x, r, k)
      for (let f = 0; f < k; f++) r[f] = -r[f]! - extra * x[f]!
      for (let e = a0; e < a1; e++) {
        const v = values[e]!
        const c = 1 + alpha * (v < 0 ? -v : v)
        const pref = v > 0 ? 1 : 0
        const yo = indices[e]! * k
        addScaledRow(r, c * pref - (c - 1) * rowDot(fixed, yo, x, k), fixed, yo, k)
      }
      let rs = 0
      for (let f = 0; f < k; f++) {
        p[f] = r[f]!
        rs += r[f]! * r[f]!
      }
      for (let it = 0; it < cgSteps && rs > 1e-20; it++) {
        gramTimes(gram, p, ap, k)
        if (extra !== 0) for (let f = 0; f < k; f++) ap[f]! += extra * p[f]!
        for (let e = a0; e < a1; e++) {
          const v = values[e]!
          const yo = indices[e]! * k
          addScaledRow(ap, alpha * (v < 0 ? -v : v) * rowDot(fixed, yo, p, k), fixed, yo, k)
        }
        let pap = 0
        for (let f = 0; f < k; f++) pap += p[f]! * ap[f]!
        if (!(pap > 0)) break
        const step = rs / pap
        let rsNew = 0
        for (let f = 0; f < k; f++) {
          x[f]! += step * p[f]!
          r[f]! -= step * ap[f]!
          rsNew += r[f]! * r[f]!
        }
        const beta = rsNew / rs
        for (let f = 0; f < k; f++) p[f] = r[f]! + beta * p[f]!
        rs = rsNew
      }
      for (let f = 0; f < k; f++) out[xo + f] = x[f]!
    } else {
      A.set(gram)
      for (let f = 0; f < k; f++) A[f * k + f]! += extra
      r.fill(0)
      // four rows at a time: one load and store of A per four products (the single-row update
      // below is bound by A's memory traffic)
      let e = a0
      for (; e + 3 < a1; e += 4) {
        const v0 = values[e]!
        const v1 = values[e + 1]!
        const v2 = values[e + 2]!
        const v3 = values[e + 3]!
        const m0 = alpha * (v0 < 0 ? -v0 : v0)
        const m1 = alpha * (v1 < 0 ? -v1 : v1)
        const m2 = alpha * (v2 < 0 ? -v2 : v2)
        const m3 = alpha * (v3 < 0 ? -v3 : v3)
        const b0 = v0 > 0 ? 1 + m0 : 0
        const b1 = v1 > 0 ? 1 + m1 : 0
        const b2 = v2 > 0 ? 1 + m2 : 0
        const b3 = v3 > 0 ? 1 + m3 : 0
        const o0 = indices[e]! * k
        const o1 = indices[e + 1]! * k
        const o2 = indices[e + 2]! * k
        const o3 = indices[e + 3]! * k
        for (let f = 0; f < k; f++) {
          const y0 = fixed[o0 + f]!
          const y1 = fixed[o1 + f]!
          const y2 = fixed[o2 + f]!
          const y3 = fixed[o3 + f]!
          r[f]! += b0 * y0 + b1 * y1 + b2 * y2 + b3 * y3
          const w0 = m0 * y0
          const w1 = m1 * y1
          const w2 = m2 * y2
          const w3 = m3 * y3
          const ro = f * k
          for (let g = 0; g <= f; g++) A[ro + g]! += w0 * fixed[o0 + g]! + w1 * fixed[o1 + g]! + w2 * fixed[o2 + g]! + w3 * fixed[o3 + g]!
        }
      }
      for (; e < a1; e++) {
        const v = values[e]!
        const cm1 = alpha * (v < 0 ? -v : v)
        const c = 1 + cm1
        const pref = v > 0 ? 1 : 0
        const yo = indices[e]! * k
        for (let f = 0; f < k; f++) {
          const yf = fixed[yo + f]!
          r[f]! += c * pref * yf
          const w = cm1 * yf
          const ro = f * k
          for (let g = 0; g <= f; g++) A[ro + g]! += w * fixed[yo + g]!
        }
      }
      // exact solve of A x = r (r becomes x)
      choleskySolve(A, r, k)
      for (let f = 0; f < k; f++) out[xo + f] = r[f]!
    }
  }
}

/** `out = G v` for the k × k Gram matrix `G` (row-major). */
function gramTimes(gram: Float64Array, v: Float64Array, out: Float64Array, k: number): void {
  for (let f = 0; f < k; f++) {
    let s = 0
    const go = f * k
    for (let g = 0; g < k; g++) s += gram[go + g]! * v[g]!
    out[f] = s
  }
}

/** `y[yo..yo+k) · v`, unrolled by four with independent sums (V8 keeps them in registers), added as `d0 + d1 + d2 + d3`. */
function rowDot(y: Float32Array, yo: number, v: Float64Array, k: number): number {
  let d0 = 0
  let d1 = 0
  let d2 = 0
  let d3 = 0
  let f = 0
  for (; f + 3 < k; f += 4) {
    d0 += y[yo + f]! * v[f]!
    d1 += y[yo + f + 1]! * v[f + 1]!
    d2 += y[yo + f + 2]! * v[f + 2]!
    d3 += y[yo + f + 3]! * v[f + 3]!
  }
  for (; f < k; f++) d0 += y[yo + f]! * v[f]!
  return d0 + d1 + d2 + d3
}

/** `out += w · y[yo..yo+k)`, unrolled by four. */
function addScaledRow(out: Float64Array, w: number, y: Float32Array, yo: number, k: number): void {
  let f = 0
  for (; f + 3 < k; f += 4) {
    out[f]! += w * y[yo + f]!
    out[f + 1]! += w * y[yo + f + 1]!
    out[f + 2]! += w * y[yo + f + 2]!
    out[f + 3]! += w * y[yo + f + 3]!
  }
  for (; f < k; f++) out[f]! += w * y[yo + f]!
}

/** Arguments of {@link bprKernel}: `samples` SGD steps of BPR on shared factors. */
export interface BprKernelArgs {
  seed: number
  samples: number
  k: number
  /** CSR by user with each row's items sorted (for rejecting positives as negatives). */
  indptr: Int32Array
  indices: Int32Array
  /** The user of each CSR entry. */
  rowOf: Int32Array
  /** Entry range to draw positive pairs from: [entryStart, entryEnd). */
  entryStart: number
  entryEnd: number
  /** Cumulative negative-sampling weights per item (length = items), or empty for uniform. */
  negCdf: Float64Array
  numItems: number
  users: Float32Array
  items: Float32Array
  itemBias: Float32Array
  lr: number
  reg: number
  /** Whether to reject sampled negatives the user has interacted with. */
  verifyNegatives: boolean
  /** Update only the user vectors (fold-in). */
  freezeItems: boolean
  /**
   * The kernels module and the memory that every array above is a view of, with `out` (the byte
   * offset of 8 bytes owned by this call): the whole loop then runs in `bpr_steps` (k a multiple of 4).
   */
  module?: WebAssembly.Module
  memory?: WebAssembly.Memory
  out?: number
  /** With the module: a users × items membership bitmap in the memory (bit u · numItems + i), checked instead of the sorted rows when not empty. */
  bitmap?: Uint8Array
}

/** Figures from one {@link bprKernel} call. */
export interface BprKernelResult {
  /** Sum of log-sigmoid losses over the steps taken. */
  loss: number
  /** Steps where the positive already outscored the negative. */
  correct: number
  /** Steps skipped because no valid negative was found. */
  skipped: number
}

/**
 * Stochastic gradient ascent on BPR-Opt (Rendle et al. 2009) with an item bias, as the implicit
 * library does: draw a (user, positive) entry uniformly, a negative item uniformly or by the
 * popularity table, and update the three vectors.
 */
export function bprKernel(a: BprKernelArgs): BprKernelResult {
  const { k, indptr, indices, rowOf, entryStart, entryEnd, negCdf, numItems, users, items, itemBias, lr, reg, verifyNegatives, freezeItems } = a
  const rng = new Random(a.seed)
  const span = entryEnd - entryStart
  const popular = negCdf.length === numItems && numItems > 0
  const total = popular ? negCdf[numItems - 1]! : 0
  let loss = 0
  let correct = 0
  let skipped = 0
  if (span <= 0) return { loss, correct, skipped }
  if (a.module && a.memory && a.out !== undefined && k % 4 === 0 && !freezeItems) {
    const steps = instantiateWasm(a.module, a.memory).bpr_steps as (...args: number[]) => number
    loss = steps(a.seed, a.samples, k, indptr.byteOffset, indices.byteOffset, rowOf.byteOffset, entryStart, span, negCdf.byteOffset, popular ? 1 : 0, numItems, users.byteOffset, items.byteOffset, itemBias.byteOffset, lr, reg, verifyNegatives ? 1 : 0, a.bitmap?.length ? a.bitmap.byteOffset : -1, a.out)
    const counts = new Int32Array(a.memory.buffer, a.out, 2)
    return { loss, correct: counts[0]!, skipped: counts[1]! }
  }
  for (let s = 0; s < a.samples; s++) {
    const e = entryStart + (rng.uint32() % span)
    const u = rowOf[e]!
    const i = indices[e]!
    const r0 = indptr[u]!
    const r1 = indptr[u + 1]!
    let j = -1
    for (let tries = 0; tries < 20; tries++) {
      let cand: number
      if (popular) {
        const t = rng.float() * total
        let lo = 0
        let hi = numItems - 1
        while (lo < hi) {
          const mid = (lo + hi) >>> 1
          if (negCdf[mid]! > t) hi = mid
          else lo = mid + 1
        }
        cand = lo
      } else cand = rng.uint32() % numItems
      if (!verifyNegatives) {
        if (cand !== i) j = cand
        break
      }
      let lo = r0
      let hi = r1 - 1
      let found = false
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1
        const v = indices[mid]!
        if (v === cand) {
          found = true
          break
        }
        if (v < cand) lo = mid + 1
        else hi = mid - 1
      }
      if (!found) {
        j = cand
        break
      }
    }
    if (j < 0) {
      skipped++
      continue
    }
    const uo = u * k
    const io = i * k
    const jo = j * k
    let x = itemBias[i]! - itemBias[j]!
    for (let f = 0; f < k; f++) x += users[uo + f]! * (items[io + f]! - items[jo + f]!)
    if (x > 0) correct++
    const ex = Math.exp(x)
    const z = 1 / (1 + ex)
    // -log σ(x) = log(1 + e^-x), from the same exponential
    loss += x > 30 ? Math.exp(-x) : x < -30 ? -x : Math.log1p(1 / ex)
    if (freezeItems) {
      for (let f = 0; f < k; f++) users[uo + f] = users[uo + f]! + lr * (z * (items[io + f]! - items[jo + f]!) - reg * users[uo + f]!)
      continue
    }
    for (let f = 0; f < k; f++) {
      const uf = users[uo + f]!
      const itf = items[io + f]!
      const jf = items[jo + f]!
      users[uo + f] = uf + lr * (z * (itf - jf) - reg * uf)
      items[io + f] = itf + lr * (z * uf - reg * itf)
      items[jo + f] = jf + lr * (-z * uf - reg * jf)
    }
    itemBias[i] = itemBias[i]! + lr * (z - reg * itemBias[i]!)
    itemBias[j] = itemBias[j]! + lr * (-z - reg * itemBias[j]!)
  }
  return { loss, correct, skipped }
}

/** Arguments of {@link alsWasmKernel}: byte offsets into one WebAssembly memory holding everything. */
export interface AlsWasmKernelArgs {
  module: WebAssembly.Module
  memory: WebAssembly.Memory
  start: number
  end: number
  k: number
  indptr: number
  indices: number
  values: number
  fixed: number
  gram: number
  alpha: number
  out: number
  cgSteps: number
  /** As {@link AlsKernelArgs.countL2}. */
  countL2: number
  /** 4·k floats of scratch owned by this call. */
  scratch: number
}

/**
 * The conjugate-gradient ALS half-step of {@link alsKernel} in WebAssembly f32x4 SIMD
 * (`cg` of kernels.wat), on data that lives in `memory`. Instantiating the small module per call
 * costs microseconds against a half-step of milliseconds.
 */
export function alsWasmKernel(a: AlsWasmKernelArgs): void {
  const cg = instantiateWasm(a.module, a.memory).cg as (...args: number[]) => void
  cg(a.start, a.end, a.k, a.indptr, a.indices, a.values, a.fixed, a.gram, a.alpha, a.out, a.cgSteps, a.countL2, a.scratch)
}

/** Arguments of {@link gramWasmKernel}: byte offsets into one WebAssembly memory. */
export interface GramWasmKernelArgs {
  module: WebAssembly.Module
  memory: WebAssembly.Memory
  /** The factors (rows × k float32). */
  y: number
  rows: number
  k: number
  /** The Gram rows this call accumulates: f0..f1. */
  f0: number
  f1: number
  /** The k × k float64 Gram matrix. */
  g: number
  /** k float64 of scratch owned by this call. */
  row: number
}

/**
 * Rows `f0..f1` of the float64 Gram matrix `YᵀY` in WebAssembly f64x2 SIMD (`gram_rows` of
 * kernels.wat): the same sums as `gramMatrix` (linalg.ts), bit for bit, so the threads can share the
 * rows of one Gram matrix without changing it.
 */
export function gramWasmKernel(a: GramWasmKernelArgs): void {
  const fn = instantiateWasm(a.module, a.memory).gram_rows as (...args: number[]) => void
  fn(a.y, a.rows, a.k, a.f0, a.f1, a.g, a.row)
}

/** The kernels the pool of ALS and BPR runs, by name. */
export const mfKernels = { als: alsKernel, alsWasm: alsWasmKernel, alsGram: gramWasmKernel, bpr: bprKernel }
