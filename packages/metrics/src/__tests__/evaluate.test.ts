import { BaseRecommender, fromCoo, isRecForgeError, rangeVocabulary, topK, type EvalSplit, type FitOptions, type Interactions, type ModelArtifacts, type ProgressEvent, type RecommendOptions, type ScoredItems } from '@recforge/core'
import { describe, expect, it } from 'vitest'
import { compareModels } from '../compare'
import { aggregateResults, evaluateSplit, metricsForProtocol, type SplitResult } from '../evaluate'

/** Scores come from a fixed table: `table[u][i]`. Deterministic, no training. */
class TableModel extends BaseRecommender<{ table: number[][] }> {
  readonly name = 'table'
  protected async fitModel(_data: Interactions, _opts: FitOptions): Promise<void> {}
  protected scoreAll(user: number, out: Float32Array): void {
    const row = this.config.table[user] ?? []
    for (let i = 0; i < out.length; i++) out[i] = row[i] ?? 0
  }
  override async save(): Promise<ModelArtifacts> {
    return { model: this.name, formatVersion: 1, config: { table: this.config.table }, ...this.baseArtifacts() }
  }
}

/** Ignores excludeSeen (a buggy model); honours `exclude`. */
class LeakyModel extends TableModel {
  override recommend(user: number, opts: RecommendOptions = {}): ScoredItems {
    const all = new Float32Array(this.numItems)
    this.scoreAll(user, all)
    return topK(all, opts.k ?? 10, opts.exclude ? { exclude: opts.exclude } : {})
  }
}

/** Ignores every exclusion. */
class BrokenModel extends TableModel {
  override recommend(user: number, opts: RecommendOptions = {}): ScoredItems {
    const all = new Float32Array(this.numItems)
    this.scoreAll(user, all)
    return topK(all, opts.k ?? 10)
  }
}

const USERS = 5
const ITEMS = 6

function interactions(rows: [number, number, number][]): Interactions {
  return fromCoo({
    users: rangeVocabulary(USERS, 'u'),
    items: rangeVocabulary(ITEMS, 'i'),
    userIdx: Int32Array.from(rows, (r) => r[0]),
    itemIdx: Int32Array.from(rows, (r) => r[1]),
    values: Float32Array.from(rows, (r) => r[2]),
  })
}

// training: u0 {0}, u1 {1, 2}, u2 {3}, u3 {} (cold), u4 {0, 3, 5}
// popularity: i0 2, i1 1, i2 1, i3 2, i4 0, i5 1; 4 users with training data
const TRAIN: [number, number, number][] = [
  [0, 0, 1],
  [1, 1, 1],
  [1, 2, 1],
  [2, 3, 1],
  [4, 0, 1],
  [4, 3, 1],
  [4, 5, 1],
]

// u0 prefers (unseen) 3 > 1 > 4 > 2 > 5, and scores its training item 0 highest of all
// u1 prefers (unseen) 0 > 5 > 4 > 3, its training items 1, 2 highest of all
const TABLE = [
  [1.0, 0.8, 0.6, 0.9, 0.7, 0.5],
  [0.9, 0.99, 0.98, 0.1, 0.2, 0.3],
  [0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0],
]

async function fitted(model: TableModel, train: Interactions): Promise<TableModel> {
  await model.fit(train)
  return model
}

function fullSplit(testRows: [number, number, number][], protocol: EvalSplit['protocol'] = 'holdout-full'): EvalSplit {
  return { protocol, fold: 0, train: interactions(TRAIN), test: interactions(testRows) }
}

// test: u0 {1, 2}; u1 {0}; u2 {3} (seen in training, so nothing relevant); u3 {4} (no training data)
const TEST: [number, number, number][] = [
  [0, 1, 5],
  [0, 2, 2],
  [1, 0, 4],
  [2, 3, 5],
  [3, 4, 3],
]

describe('metricsForProtocol', () => {
  it('lists the EVAL.md keys per protocol', () => {
    expect(metricsForProtocol('rating-holdout', 10)).toEqual(['rmse', 'mae'])
    expect(metricsForProtocol('rating-folds', 5)).toEqual(['rmse', 'mae'])
    expect(metricsForProtocol('loo-sampled', 10)).toEqual(['hr@10', 'ndcg@10', 'mrr@10', 'auc'])
    const full = metricsForProtocol('holdout-full', 10)
    for (const key of ['precision@10', 'recall@10', 'f1@10', 'ndcg@10', 'map@10', 'mrr@10', 'hr@10', 'auc', 'coverage@10', 'novelty@10', 'diversity@10', 'arp@10', 'gini@10']) {
      expect(full).toContain(key)
    }
    expect(metricsForProtocol('temporal-full', 20)).toEqual(metricsForProtocol('holdout-full', 20))
    expect(metricsForProtocol('given', 10)).toEqual(['rmse', 'mae', ...full])
    expect(() => metricsForProtocol('replay', 10)).toThrow(/unknown protocol "replay"/)
    expect(() => metricsForProtocol('holdout-full', 0)).toThrow(/k must be a positive integer/)
  })
})

describe('evaluateSplit, full ranking (hand-computed)', () => {
  it('holdout-full at k = 2', async () => {
    const model = await fitted(new TableModel({ table: TABLE }), interactions(TRAIN))
    const r = evaluateSplit(model, fullSplit(TEST), { k: 2, perUser: true })
    // u0: list [3, 1] (its training item 0 is excluded); relevant {1, 2}; hit at position 2
    //   precision 1/2, recall 1/2, f1 1/2, ndcg (1/log2 3) / (1 + 1/log2 3) = 0.386853, map (1/2)/2, mrr 1/2, hr 1
    //   auc: positives 1 (0.8), 2 (0.6) vs negatives 3 (0.9), 4 (0.7), 5 (0.5): wins 1>4, 1>5, 2>5 -> 3/6
    // u1: list [0, 5]; relevant {0}; hit at position 1
    //   precision 1/2, recall 1, f1 2/3, ndcg 1, map 1/min(2, 1) = 1, mrr 1, hr 1, auc 1
    const g = 1 / Math.log2(3)
    const ndcgU0 = g / (1 + g)
    expect(r.usersEvaluated).toBe(2)
    // u2: its only test item was seen in training; u3: no training data
    expect(r.usersSkipped).toBe(2)
    const m = r.metrics
    expect(m['precision@2']).toBeCloseTo(0.5, 12)
    expect(m['recall@2']).toBeCloseTo(0.75, 12)
    expect(m['f1@2']).toBeCloseTo((0.5 + 2 / 3) / 2, 12)
    expect(m['ndcg@2']).toBeCloseTo((ndcgU0 + 1) / 2, 12)
    expect(m['ndcg@2']).toBeCloseTo(0.693426, 5)
    expect(m['map@2']).toBeCloseTo(0.625, 12)
    expect(m['mrr@2']).toBeCloseTo(0.75, 12)
    expect(m['hr@2']).toBe(1)
    expect(m.auc).toBeCloseTo(0.75, 12)
    // recommended {3, 1, 0, 5} of 6 items
    expect(m['coverage@2']).toBeCloseTo(4 / 6, 12)
    // exposure [1, 1, 0, 1, 0, 1] sorted [0, 0, 1, 1, 1, 1]: (-1 + 1 + 3 + 5) / (6 · 4)
    expect(m['gini@2']).toBeCloseTo(8 / 24, 12)
    // novelty u0 [3, 1]: (-log2(2/4) - log2(1/4)) / 2 = 1.5; u1 [0, 5]: (1 + 2) / 2 = 1.5
    expect(m['novelty@2']).toBeCloseTo(1.5, 12)
    // arp u0 (2 + 1) / 2, u1 (2 + 1) / 2
    expect(m['arp@2']).toBeCloseTo(1.5, 12)
    // diversity from training user sets: i3 {u2, u4} vs i1 {u1}: 0 common -> 1
    //   i0 {u0, u4} vs i5 {u4}: 1 / √2 -> 1 - 0.707107
    expect(m['diversity@2']).toBeCloseTo((1 + 1 - Math.SQRT1_2) / 2, 12)
    // u3's test pair has an unseen user and an unseen item (i4 has no training data)
    expect(r.unseenUsers).toBe(1)
    expect(r.unseenItems).toBe(1)
    expect([...r.perUser!.users]).toEqual([0, 1])
    expect([...r.perUser!.values['ndcg@2']!]).toEqual([expect.closeTo(ndcgU0, 12), 1])
    expect(r.perUser!.values['coverage@2']).toBeUndefined()
    expect(Object.keys(r.metrics)).toEqual(metricsForProtocol('holdout-full', 2))
  })

  it('minRating keeps only high ratings relevant', async () => {
    const model = await fitted(new TableModel({ table: TABLE }), interactions(TRAIN))
    const r = evaluateSplit(model, fullSplit(TEST), { k: 2, minRating: 4, metrics: ['precision@2', 'recall@2', 'ndcg@2', 'map@2'], perUser: true })
    // u0: only item 1 (rated 5) is relevant; hit at position 2 -> recall 1, ndcg 1/log2(3), map 1/2
    // u1: item 0 rated 4 is relevant -> as before
    expect(r.usersEvaluated).toBe(2)
    expect(r.metrics['recall@2']).toBe(1)
    expect(r.metrics['ndcg@2']).toBeCloseTo((1 / Math.log2(3) + 1) / 2, 12)
    expect(r.metrics['map@2']).toBeCloseTo(0.75, 12)
    expect(Object.keys(r.metrics)).toEqual(['precision@2', 'recall@2', 'ndcg@2', 'map@2'])
    // with minRating 5, u1's only test rating (4) is not relevant: skipped
    const r5 = evaluateSplit(model, fullSplit(TEST), { k: 2, minRating: 5 })
    expect(r5.usersEvaluated).toBe(1)
    expect(r5.usersSkipped).toBe(3)
  })

  it('uses item vectors for diversity when given', async () => {
    const model = await fitted(new TableModel({ table: TABLE }), interactions(TRAIN))
    // 2-d vectors: i0 (1,0) i1 (1,0) i2 (0,1) i3 (0,1) i4 (1,1) i5 (1,1)
    const vectors = Float32Array.of(1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1)
    const r = evaluateSplit(model, fullSplit(TEST), { k: 2, metrics: ['diversity@2'], itemVectors: { vectors, dimensions: 2 } })
    // u0 [3, 1]: cos((0,1), (1,0)) = 0 -> 1; u1 [0, 5]: cos((1,0), (1,1)) = 0.7071 -> 0.2929
    expect(r.metrics['diversity@2']).toBeCloseTo((1 + 1 - Math.SQRT1_2) / 2, 6)
    expect(() => evaluateSplit(model, fullSplit(TEST), { k: 2, itemVectors: { vectors: vectors.subarray(2), dimensions: 2 } })).toThrow(/expected 6 items × 2 dimensions/)
  })

  it('never counts training items, even from a model that ignores excludeSeen', async () => {
    const good = evaluateSplit(await fitted(new TableModel({ table: TABLE }), interactions(TRAIN)), fullSplit(TEST), { k: 2 })
    const leaky = evaluateSplit(await fitted(new LeakyModel({ table: TABLE }), interactions(TRAIN)), fullSplit(TEST), { k: 2 })
    expect(leaky.metrics).toEqual(good.metrics)
    const broken = await fitted(new BrokenModel({ table: TABLE }), interactions(TRAIN))
    expect(() => evaluateSplit(broken, fullSplit(TEST), { k: 2 })).toThrow(/an item the user saw in training/)
  })

  it('a test item repeated from training is not a hit', async () => {
    // u4 saw 0, 3, 5; test repeats 3 and adds 1 -> only 1 is relevant
    const table = TABLE.map((r) => [...r])
    table[4] = [0, 0.5, 0, 1, 0, 0]
    const model = await fitted(new TableModel({ table }), interactions(TRAIN))
    const r = evaluateSplit(model, fullSplit([[4, 3, 1], [4, 1, 1]]), { k: 1, metrics: ['precision@1', 'recall@1'] })
    // 3 is excluded from the list, so the list is [1]: a hit on the only relevant item
    expect(r.metrics).toEqual({ 'precision@1': 1, 'recall@1': 1 })
  })

  it('reports progress and stops on abort', async () => {
    const model = await fitted(new TableModel({ table: TABLE }), interactions(TRAIN))
    const events: ProgressEvent[] = []
    evaluateSplit(model, fullSplit(TEST), { k: 2, onProgress: (e) => events.push(e) })
    expect(events.at(-1)).toMatchObject({ stage: 'evaluate', current: 4, total: 4 })
    const ac = new AbortController()
    ac.abort()
    try {
      evaluateSplit(model, fullSplit(TEST), { signal: ac.signal })
      expect.unreachable()
    } catch (e) {
      expect(isRecForgeError(e, 'ABORTED')).toBe(true)
    }
  })

  it('rejects bad input with clear messages', async () => {
    const model = await fitted(new TableModel({ table: TABLE }), interactions(TRAIN))
    expect(() => evaluateSplit(model, fullSplit(TEST, 'replay' as EvalSplit['protocol']))).toThrow(/unknown protocol "replay"/)
    expect(() => evaluateSplit(model, fullSplit(TEST), { metrics: ['rmse'] })).toThrow(/metric "rmse" does not apply to protocol "holdout-full"/)
    expect(() => evaluateSplit(model, fullSplit(TEST), { k: 0 })).toThrow(/k must be a positive integer/)
    const otherTest = fromCoo({ users: rangeVocabulary(3), items: rangeVocabulary(ITEMS), userIdx: Int32Array.of(0), itemIdx: Int32Array.of(1), values: Float32Array.of(1) })
    try {
      evaluateSplit(model, { protocol: 'holdout-full', fold: 0, train: interactions(TRAIN), test: otherTest })
      expect.unreachable()
    } catch (e) {
      expect(isRecForgeError(e, 'DIMENSION_MISMATCH')).toBe(true)
    }
    expect(() => evaluateSplit(model, fullSplit([[0, 1, 1]], 'loo-sampled'))).toThrow(/the split has none/)
  })
})

describe('evaluateSplit, sampled candidates (hand-computed)', () => {
  // u0: candidates [1, 3, 4, 5], test item 1; u1: candidates [0, 3, 4], test item 0
  const split: EvalSplit = {
    protocol: 'loo-sampled',
    fold: 0,
    train: interactions(TRAIN),
    test: interactions([
      [0, 1, 1],
      [1, 0, 1],
    ]),
    candidates: { indptr: Int32Array.of(0, 4, 7, 7, 7, 7), items: Int32Array.of(1, 3, 4, 5, 0, 3, 4) },
  }

  it('hr, ndcg, mrr and auc', async () => {
    const model = await fitted(new TableModel({ table: TABLE }), interactions(TRAIN))
    // u0 scores 1: 0.8, 3: 0.9, 4: 0.7, 5: 0.5 -> test item ranks 2nd; auc = 2/3 (beats 4 and 5)
    // u1 scores 0: 0.9, 3: 0.1, 4: 0.2 -> test item ranks 1st; auc = 1
    const r2 = evaluateSplit(model, split, { k: 2 })
    expect(r2.metrics['hr@2']).toBe(1)
    expect(r2.metrics['ndcg@2']).toBeCloseTo((1 / Math.log2(3) + 1) / 2, 12)
    expect(r2.metrics['mrr@2']).toBeCloseTo(0.75, 12)
    expect(r2.metrics.auc).toBeCloseTo((2 / 3 + 1) / 2, 12)
    const r1 = evaluateSplit(model, split, { k: 1 })
    expect(r1.metrics['hr@1']).toBe(0.5)
    expect(r1.metrics['ndcg@1']).toBe(0.5)
    expect(r1.usersEvaluated).toBe(2)
    expect(r1.usersSkipped).toBe(0)
  })
})

describe('evaluateSplit, rating protocols (hand-computed)', () => {
  // predictions: u0 i1 4.5, i2 2; u1 i0 3
  const table = [
    [0, 4.5, 2, 0, 0, 0],
    [3, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0],
  ]
  // test: u0 (1, 4), (2, 3), (4, 5: item 4 unseen); u1 (0, 2); u3 (4, 1: unseen user and item)
  const test: [number, number, number][] = [
    [0, 1, 4],
    [0, 2, 3],
    [0, 4, 5],
    [1, 0, 2],
    [3, 4, 1],
  ]

  it('rmse and mae over pairs with training data', async () => {
    const model = await fitted(new TableModel({ table }), interactions(TRAIN))
    const r = evaluateSplit(model, fullSplit(test, 'rating-holdout'), { perUser: true })
    // errors 0.5, -1, 1: rmse √(2.25 / 3), mae 2.5 / 3
    expect(r.metrics.rmse).toBeCloseTo(Math.sqrt(0.75), 6)
    expect(r.metrics.mae).toBeCloseTo(2.5 / 3, 6)
    expect(r.usersEvaluated).toBe(2)
    expect(r.usersSkipped).toBe(1)
    expect(r.unseenUsers).toBe(1)
    expect(r.unseenItems).toBe(2)
    // per user: u0 rmse √(1.25 / 2), mae 0.75; u1 rmse 1, mae 1
    expect([...r.perUser!.users]).toEqual([0, 1])
    expect(r.perUser!.values.rmse![0]).toBeCloseTo(Math.sqrt(0.625), 6)
    expect([...r.perUser!.values.mae!]).toEqual([0.75, 1])
  })

  it('given with ratings reports rating and ranking metrics; with implicit data only ranking', async () => {
    const model = await fitted(new TableModel({ table }), interactions(TRAIN))
    const withRatings = evaluateSplit(model, fullSplit(test, 'given'), { k: 2, perUser: true })
    expect(Object.keys(withRatings.metrics)).toEqual(metricsForProtocol('given', 2))
    expect(withRatings.metrics.rmse).toBeCloseTo(Math.sqrt(0.75), 6)
    expect(withRatings.perUser!.values.rmse!.length).toBe(withRatings.perUser!.users.length)
    const implicit = evaluateSplit(model, fullSplit(test.map(([u, i]) => [u, i, 1]), 'given'), { k: 2 })
    expect(implicit.metrics.rmse).toBeUndefined()
    expect(implicit.metrics['ndcg@2']).toBeGreaterThanOrEqual(0)
  })

  it('takes the unseen counts from the split when it has them', async () => {
    const model = await fitted(new TableModel({ table }), interactions(TRAIN))
    const r = evaluateSplit(model, { ...fullSplit(test, 'rating-holdout'), unseenUsers: 7, unseenItems: 9 })
    expect([r.unseenUsers, r.unseenItems]).toEqual([7, 9])
  })
})

describe('aggregateResults and compareModels', () => {
  it('averages folds and sums counts', () => {
    const a: SplitResult = { metrics: { rmse: 1, mae: 0.5 }, usersEvaluated: 3, usersSkipped: 1, unseenUsers: 2, perUser: { users: Int32Array.of(0, 1), values: { rmse: Float64Array.of(1, 2) } } }
    const b: SplitResult = { metrics: { rmse: 0.8, mae: 0.7 }, usersEvaluated: 4, usersSkipped: 0, unseenUsers: 1, perUser: { users: Int32Array.of(1, 2), values: { rmse: Float64Array.of(4, 3) } } }
    const r = aggregateResults([a, b])
    expect(r.metrics.rmse).toBeCloseTo(0.9, 12)
    expect(r.metrics.mae).toBeCloseTo(0.6, 12)
    expect([r.usersEvaluated, r.usersSkipped, r.unseenUsers, r.unseenItems]).toEqual([7, 1, 3, undefined])
    // user 1 is in both folds: (2 + 4) / 2
    expect([...r.perUser!.users]).toEqual([0, 1, 2])
    expect([...r.perUser!.values.rmse!]).toEqual([1, 3, 3])
    expect(() => aggregateResults([])).toThrow(/at least one fold result/)
  })

  it('compares two models paired by user (reference: scipy.stats.ttest_rel and wilcoxon)', () => {
    const xa = [0.8, 0.6, 0.9, 0.5, 0.7, 0.75, 0.65, 0.95, 0.55, 0.85]
    const xb = [0.7, 0.65, 0.7, 0.45, 0.6, 0.75, 0.5, 0.8, 0.6, 0.7]
    const users = Int32Array.from({ length: 10 }, (_, i) => i)
    // b lists its users in reverse order, plus one user a does not have
    const a: SplitResult = { metrics: {}, usersEvaluated: 10, usersSkipped: 0, perUser: { users, values: { 'ndcg@10': Float64Array.from(xa) } } }
    const b: SplitResult = {
      metrics: {},
      usersEvaluated: 11,
      usersSkipped: 0,
      perUser: { users: Int32Array.from([...users].reverse().concat(42)), values: { 'ndcg@10': Float64Array.from([...xb].reverse().concat(0.1)) } },
    }
    const c = compareModels(a, b, 'ndcg@10')
    expect(c.n).toBe(10)
    expect(c.meanA).toBeCloseTo(0.725, 12)
    expect(c.meanB).toBeCloseTo(0.645, 12)
    expect(c.diff).toBeCloseTo(0.08, 12)
    expect(c.tStat).toBeCloseTo(2.8482759796652477, 10)
    expect(c.pValue).toBeCloseTo(0.019142944175489403, 10)
    expect(c.ci95[0]).toBeCloseTo(0.016462416452662096, 10)
    expect(c.ci95[1]).toBeCloseTo(0.14353758354733792, 10)
    expect(c.wilcoxonP).toBeCloseTo(0.028263033165028862, 10)
    expect(() => compareModels(a, b, 'recall@10')).toThrow(/no per-user values for "recall@10"/)
    expect(() => compareModels({ ...a, perUser: undefined }, b, 'ndcg@10')).toThrow(/evaluate with \{ perUser: true \}/)
  })

  it('compares two fitted models end to end', async () => {
    const train = interactions(TRAIN)
    const good = evaluateSplit(await fitted(new TableModel({ table: TABLE }), train), fullSplit(TEST), { k: 2, perUser: true })
    // reversed preferences
    const bad = evaluateSplit(await fitted(new TableModel({ table: TABLE.map((r) => r.map((s) => -s)) }), train), fullSplit(TEST), { k: 2, perUser: true })
    const c = compareModels(good, bad, 'ndcg@2')
    expect(c.n).toBe(2)
    expect(c.meanA).toBeCloseTo(good.metrics['ndcg@2']!, 12)
    expect(c.meanB).toBeCloseTo(bad.metrics['ndcg@2']!, 12)
    expect(c.diff).toBeGreaterThan(0)
  })
})
