import { describe, expect, it } from 'vitest'
import { InteractionsBuilder, nnz, Random, userRow, validateInteractions, type Interactions } from '@recforge/core'
import { applyEventWeights, dedupe, dropInvalid, filterRatingRange, kCore, toImplicit } from '../clean'
import { ItemSampler, sampleNegatives } from '../negatives'

function rows(d: Interactions): Record<string, [string, number, number | undefined][]> {
  const out: Record<string, [string, number, number | undefined][]> = {}
  for (let u = 0; u < d.users.size; u++) {
    const r = userRow(d, u)
    out[d.users.id(u)] = [...r.items].map((i, k) => [d.items.id(i), r.values[k]!, r.timestamps?.[k]])
  }
  return out
}

const b = new InteractionsBuilder({ timestamps: true })
b.push('a', 'x', 1, 10)
b.push('a', 'y', 4, 11)
b.push('a', 'x', 3, 30)
b.push('a', 'x', 5, 20)
b.push('b', 'x', 2, 5)
b.push('b', 'x', 2, 5)
const dup = b.build()

describe('dedupe', () => {
  it('keeps the latest, the first, or the mean of repeated pairs and reports the count', () => {
    const latest = dedupe(dup, 'latest')
    expect(rows(latest.data)).toEqual({ a: [['y', 4, 11], ['x', 3, 30]], b: [['x', 2, 5]] })
    expect(latest.report).toMatchObject({ before: 6, after: 3, removed: { duplicate: 3 } })
    expect(rows(dedupe(dup, 'first').data)).toEqual({ a: [['x', 1, 10], ['y', 4, 11]], b: [['x', 2, 5]] })
    expect(rows(dedupe(dup, 'mean').data)).toEqual({ a: [['x', 3, 30], ['y', 4, 11]], b: [['x', 2, 5]] })
    expect(() => dedupe(dup, 'max' as 'first')).toThrow(/latest, first or mean/)
  })
})

describe('value filters', () => {
  it('drops non-finite values and out-of-range ratings with counts', () => {
    const c = new InteractionsBuilder({ timestamps: true })
    c.push('a', 'x', Number.NaN, 1)
    c.push('a', 'y', 0, 2)
    c.push('a', 'z', 6, 3)
    c.push('b', 'x', 3, Number.POSITIVE_INFINITY)
    c.push('b', 'y', 4, 4)
    const d = c.build()
    const inv = dropInvalid(d)
    expect(inv.report.removed).toEqual({ 'missing or non-numeric value': 1, 'missing or non-numeric timestamp': 1 })
    expect(nnz(inv.data)).toBe(3)
    const rr = filterRatingRange(inv.data, { min: 1, max: 5 })
    expect(rr.report.removed).toEqual({ 'below 1': 1, 'above 5': 1 })
    expect(rows(rr.data)).toEqual({ a: [], b: [['y', 4, 4]] })
    expect(() => filterRatingRange(d, { min: 5, max: 1 })).toThrow(/above max/)
  })

  it('converts to implicit feedback by threshold, and weights events', () => {
    const imp = toImplicit(dup, { threshold: 3 })
    expect(rows(imp.data)).toEqual({ a: [['y', 1, 11], ['x', 1, 30], ['x', 1, 20]], b: [] })
    expect(imp.report.removed).toEqual({ 'below threshold 3': 3 })
    const ev = applyEventWeights(dup, ['view', 'buy', 'click', 'view', 'like', 'view'], { view: 1, click: 2, buy: 5 })
    expect(rows(ev.data).a!.map((r) => r[1])).toEqual([1, 5, 2, 1])
    expect(ev.report.removed).toEqual({ 'unknown event "like"': 1 })
    expect(() => applyEventWeights(dup, ['view'], { view: 1 })).toThrow(/events has 1 entries/)
  })
})

describe('kCore', () => {
  it('removes users and items iteratively until every one has k interactions', () => {
    // a square of 2 users × 2 items survives 2-core; the tail (c-z, then z's only partner) goes
    const c = new InteractionsBuilder()
    for (const [u, i] of [['a', 'x'], ['a', 'y'], ['b', 'x'], ['b', 'y'], ['c', 'z'], ['c', 'x'], ['d', 'z']]) c.push(u!, i!)
    const { data, report } = kCore(c.build(), { minUser: 2, minItem: 2 })
    validateInteractions(data)
    expect(data.users.ids()).toEqual(['a', 'b'])
    expect(data.items.ids()).toEqual(['x', 'y'])
    expect(nnz(data)).toBe(4)
    expect(report).toMatchObject({ before: 7, after: 4, usersRemoved: 2, itemsRemoved: 1 })
  })
})

describe('negative sampling', () => {
  const c = new InteractionsBuilder()
  for (let u = 0; u < 20; u++) for (let j = 0; j < 5; j++) c.push(`u${u}`, `i${(u + j * 3) % 30}`)
  c.push('hub', 'i0')
  const d = c.build()

  it('never returns a user positive, is seeded, and fills typed arrays', () => {
    const n1 = sampleNegatives(d, { perPositive: 3, seed: 9 })
    const n2 = sampleNegatives(d, { perPositive: 3, seed: 9 })
    expect(n1.items).toBeInstanceOf(Int32Array)
    expect(n1.items.length).toBe(3 * nnz(d))
    expect([...n1.items]).toEqual([...n2.items])
    for (let k = 0; k < n1.items.length; k++) {
      const r = userRow(d, n1.users[k]!)
      expect([...r.items]).not.toContain(n1.items[k])
      expect(n1.positives[k]).toBeGreaterThanOrEqual(d.indptr[n1.users[k]!]!)
      expect(n1.positives[k]).toBeLessThan(d.indptr[n1.users[k]! + 1]!)
    }
  })

  it('popularity sampling follows count^alpha', () => {
    const e = new InteractionsBuilder()
    for (let u = 0; u < 9; u++) e.push(`u${u}`, 'pop')
    e.push('u0', 'rare')
    const data = e.build()
    const s = new ItemSampler(data, { strategy: 'popularity', alpha: 1 })
    const rng = new Random(1)
    let pop = 0
    for (let t = 0; t < 20000; t++) if (s.draw(rng) === 0) pop++
    expect(pop / 20000).toBeCloseTo(0.9, 1)
    const half = new ItemSampler(data, { strategy: 'popularity', alpha: 0 })
    let p2 = 0
    for (let t = 0; t < 20000; t++) if (half.draw(rng) === 0) p2++
    expect(p2 / 20000).toBeCloseTo(0.5, 1)
  })

  it('reports a shortfall for a user who has seen every item', () => {
    const e = new InteractionsBuilder()
    e.push('a', 'x')
    e.push('a', 'y')
    const r = sampleNegatives(e.build(), { perPositive: 2, maxTries: 5 })
    expect(r.items.length).toBe(0)
    expect(r.shortfall).toBe(4)
  })
})
