import { BaseRecommender, RecForgeError, defineParams, param, requireTensor, throwIfAborted, topK } from '@recforge/core'
import type { ConfigOf, FitOptions, Interactions, ModelArtifacts, ModelState, ScoredItems } from '@recforge/core'
import { allocate, splitEven, splitTriangle } from '@recforge/compute'
import { rowTasks, withBaselinesPool, type BaselinesPool } from './internal/parallel'
import { sweepInverse } from './internal/spd'
import type { DenseArray } from './internal/spdKernels'
import { createSweepWorkspace, createWoodburyWorkspace } from './internal/spdWorkspace'
import { csrPairArgs, mostPopular, sortedCsr, swapCsrPair, threadsParam, type CsrPairArgs } from './internal/util'

/** With `threads: 0`, below this many items the work is too small to pay for starting worker threads. */
const PARALLEL_MIN_ITEMS = 768

/** The parameters of {@link EASE} (the `ease` model). */
export const EASE_PARAMS = defineParams({
  lambda: param.float({ default: 250, min: 0, exclusiveMin: true, description: 'L2 penalty added to the diagonal of the Gram matrix' }),
  maxItems: param.int({ default: 0, min: 0, description: 'model only the most popular items (0 = all); the others score -Infinity' }),
  binary: param.bool({ default: true, description: 'treat every interaction as 1 instead of its value' }),
  precision: param.enumOf({ values: ['float64', 'float32'], default: 'float64', description: 'working precision of the inversion (float32: half the memory, the f32x4 kernel)' }),
  threads: threadsParam('the Gram matrix and the inversion', PARALLEL_MIN_ITEMS),
  solver: param.enumOf({
    values: ['auto', 'items', 'users'],
    default: 'auto',
    description: 'invert the item Gram matrix, or the user Gram matrix through the Woodbury identity (auto: the cheaper)',
  }),
})

/** The configuration of {@link EASE}: see {@link EASE_PARAMS}. */
export type EASEConfig = ConfigOf<typeof EASE_PARAMS>

/**
 * EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"): the item-item weights
 * `B = I - P diag(1/diag(P))` with `P = (X^T X + lambda I)^-1` and a zero diagonal; a user's scores
 * are their interaction row times `B`. The Gram matrix is built sparsely from the CSR and inverted
 * with a blocked symmetric sweep split over worker threads; with fewer users than items, the user
 * Gram matrix `X X^T + lambda I` is inverted instead and `P` follows from the Woodbury identity.
 * Parameters: {@link EASE_PARAMS}.
 *
 * @example
 * ```ts
 * const ease = new EASE({ lambda: 500 })
 * await ease.fit(train)
 * ease.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a lambda <= 0, a negative maxItems or an unknown parameter.
 */
export class EASE extends BaseRecommender<EASEConfig> {
  static override readonly params = EASE_PARAMS
  readonly name = 'ease'
  /** Item-item weights, row-major `m x m` over the modelled items (row = source item). */
  private weights: Float32Array | undefined
  /** Modelled items (ascending) when restricted by `maxItems`; `undefined` = every item. */
  private modelItems: Int32Array | undefined
  /** Local index of every catalogue item, -1 for items outside the model. */
  private localIndex: Int32Array | undefined
  /** Interaction values aligned with the seen-item CSR (only when `binary` is false). */
  private rowValues: Float32Array | undefined

  /** Number of items the weight matrix covers. */
  get modelledItems(): number {
    this.requireFitted()
    return this.modelItems ? this.modelItems.length : this.numItems
  }

  /** The `m x m` item-item weight matrix (row-major, rows are source items), as a view. */
  weightMatrix(): Float32Array {
    this.requireFitted()
    return this.weights!
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    const c = this.config
    const ni = data.items.size
    const keep = c.maxItems > 0 && c.maxItems < ni ? mostPopular(data, c.maxItems) : undefined
    const report = (stage: string, current: number, total: number) => opts.onProgress?.({ stage, current, total })
    await withBaselinesPool(c.threads, keep ? keep.length : ni, PARALLEL_MIN_ITEMS, async (starting) => {
      const csr = sortedCsr(data, { keep, binary: c.binary })
      const m = csr.items
      const pool = await starting
      const shared = pool.shared
      const split = splitTriangle(m, pool.threads)
      const x = csrPairArgs(csr, shared)
      let A: DenseArray
      if (this.usesUserGram(csr.users, m, x.iIndptr[m]!)) {
        A = await this.woodbury(csr.users, m, x, pool, opts, report)
      } else {
        const ws = createSweepWorkspace(m, { precision: c.precision, shared })
        A = ws.A
        // Gram matrix, lower triangle, lambda on the diagonal
        await pool.run('gram', rowTasks(split, () => ({ ...x, n: m, A: ws.A, lambda: c.lambda })))
        report('gram', m, m)
        await sweepInverse(ws, { pool, signal: opts.signal, onBlock: (done) => report('invert', done, m) })
      }
      for (let i = 0; i < m; i++) {
        const d = A[i * m + i]!
        if (!(d < 0) || !Number.isFinite(d)) {
          throw new RecForgeError('INVALID_ARGUMENT', `ease: the inverse has a non-positive diagonal at item ${i} (${-d}); the Gram matrix is ill-conditioned, use a larger lambda`)
        }
      }
      const B = allocate(Float32Array, m * m, shared)
      await pool.run('ease', rowTasks(split, () => ({ A, n: m, B })))
      report('weights', m, m)
      this.weights = B
      this.setItems(keep, ni)
      this.rowValues = c.binary ? undefined : data.values.slice(0, data.indptr[data.users.size]!)
    })
  }

  /** Whether the fit goes through the n x n user Gram matrix (the `solver` parameter). */
  private usesUserGram(n: number, m: number, nnz: number): boolean {
    if (this.config.solver !== 'auto') return this.config.solver === 'users'
    // operation counts: the inversion is n^3 or m^3; building -P from the user inverse takes nnz n
    // multiply-adds for S X and about nnz m / 2 for the triangle of X^T (S X), counted four times
    // (sparse rows against dense panels run well below the sweep's speed)
    return n ** 3 + nnz * (n + 2 * m) < m ** 3
  }

  /**
   * `-P` (lower triangle, m x m) through the Woodbury identity: inverts `K = X X^T + lambda I`
   * (n x n), then `P = (I - X^T K^-1 X) / lambda`, with `Z = -K^-1 X` (n x m) in between.
   */
  private async woodbury(
    n: number,
    m: number,
    x: CsrPairArgs,
    pool: BaselinesPool,
    opts: FitOptions,
    report: (stage: string, current: number, total: number) => void,
  ): Promise<DenseArray> {
    const c = this.config
    const { shared, threads } = pool
    const ws = createSweepWorkspace(n, { precision: c.precision, shared })
    const K = ws.A
    // X X^T + lambda I: the Gram kernel with the roles of users and items swapped
    await pool.run('gram', rowTasks(splitTriangle(n, threads), () => ({ ...swapCsrPair(x), n, A: K, lambda: c.lambda })))
    report('gram', n, n)
    await sweepInverse(ws, { pool, signal: opts.signal, onBlock: (done) => report('invert', done, n) })
    const nnz = x.iIndptr[m]!
    const wb = createWoodburyWorkspace(n, m, nnz, { precision: c.precision, threads, shared })
    wb.indices.set(x.iIndices.subarray(0, nnz))
    wb.values.set(x.iValues.subarray(0, nnz))
    // S = -K^-1 in full storage (the sweep left its lower triangle)
    const S = wb.S
    for (let i = 0; i < n; i++) {
      const o = i * n
      for (let j = 0; j <= i; j++) {
        const v = K[o + j]!
        S[o + j] = v
        S[j * n + i] = v
      }
    }
    throwIfAborted(opts.signal, 'EASE fit')
    // the WebAssembly arguments of the task of thread t (0 = this one)
    const simd = (t: number) => (wb.module ? { module: wb.module, memory: wb.memory, out: wb.out[t] } : {})
    const blocks = (total: number, split: Int32Array) => split.map((v, k) => (k === split.length - 1 ? total : Math.min(total, Math.round(v / 16) * 16)))
    const userSplit = blocks(n, splitEven(n, threads))
    await pool.run('cross', rowTasks(userSplit, (t) => ({ iIndptr: x.iIndptr, iIndices: wb.indices, iValues: wb.values, S, n, Z: wb.Z, m, ...simd(t) })))
    throwIfAborted(opts.signal, 'EASE fit')
    const A = wb.A
    const itemSplit = blocks(m, splitTriangle(m, threads))
    await pool.run('woodbury', rowTasks(itemSplit, (t) => ({ iIndptr: x.iIndptr, iIndices: wb.indices, iValues: wb.values, Z: wb.Z, m, A, lambda: c.lambda, ...simd(t) })))
    report('woodbury', m, m)
    return A
  }

  private setItems(keep: Int32Array | undefined, ni: number): void {
    this.modelItems = keep
    if (keep) {
      this.localIndex = new Int32Array(ni).fill(-1)
      for (let l = 0; l < keep.length; l++) this.localIndex[keep[l]!] = l
    } else this.localIndex = undefined
  }

  protected scoreAll(user: number, out: Float32Array): void {
    const s = this.seen!
    const B = this.weights!
    const m = this.modelItems ? this.modelItems.length : out.length
    const acc = new Float64Array(m)
    for (let q = s.indptr[user]!; q < s.indptr[user + 1]!; q++) {
      const l = this.localIndex ? this.localIndex[s.indices[q]!]! : s.indices[q]!
      if (l < 0) continue
      const v = this.rowValues ? this.rowValues[q]! : 1
      const o = l * m
      for (let j = 0; j < m; j++) acc[j]! += v * B[o + j]!
    }
    if (this.modelItems) {
      out.fill(Number.NEGATIVE_INFINITY)
      for (let l = 0; l < m; l++) out[this.modelItems[l]!] = acc[l]!
    } else for (let j = 0; j < m; j++) out[j] = acc[j]!
  }

  /**
   * Items with the largest weights `B[item][j]` (how strongly `item` predicts `j`), itself left out.
   *
   * @example
   * ```ts
   * ease.similarItems(3, 5).items
   * ```
   * @throws RecForgeError UNKNOWN_ID for an item outside the catalogue; NOT_FITTED before fit.
   */
  similarItems(item: number, k = 10): ScoredItems {
    this.checkItems(Int32Array.of(item))
    const l = this.localIndex ? this.localIndex[item]! : item
    if (l < 0) return { items: new Int32Array(0), scores: new Float32Array(0) }
    const m = this.modelledItems
    const row = this.weights!.subarray(l * m, l * m + m)
    const res = topK(row, k, { exclude: Int32Array.of(l) })
    if (this.modelItems) return { items: res.items.map((x) => this.modelItems![x]!), scores: res.scores }
    return res
  }

  protected override saveState(): ModelState {
    return {
      tensors: {
        weights: this.weights!,
        ...(this.modelItems ? { modelItems: this.modelItems } : {}),
        ...(this.rowValues ? { rowValues: this.rowValues } : {}),
      },
    }
  }

  protected override restoreState(a: ModelArtifacts): void {
    const ni = this.numItems
    const keep = a.tensors.modelItems ? requireTensor(a, 'modelItems', Int32Array) : undefined
    const m = keep ? keep.length : ni
    const w = requireTensor(a, 'weights', Float32Array)
    if (w.length !== m * m) throw new RecForgeError('PARSE_ERROR', `ease artifacts: tensor "weights" has ${w.length} entries; expected ${m} x ${m} = ${m * m}`)
    const values = a.tensors.rowValues ? requireTensor(a, 'rowValues', Float32Array) : undefined
    if (values && values.length !== this.seen!.indices.length) {
      throw new RecForgeError('PARSE_ERROR', `ease artifacts: tensor "rowValues" has ${values.length} entries; the saved history has ${this.seen!.indices.length}`)
    }
    this.weights = w
    this.setItems(keep, ni)
    this.rowValues = values
  }
}
