import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { fromCoo, nnz, rangeVocabulary, InteractionsBuilder, SPLIT_PROTOCOLS as PROTOCOLS, type Interactions, type EvalSplit, type SplitProtocol as Protocol } from '@recforge/core'
import { givenSplit, splitProtocol } from '../split'
import type { Dataset } from '../types'

function dataset(interactions: Interactions, name = 'test'): Dataset {
  return { name, interactions, reports: [] }
}

/** Entries as "user|item|value|timestamp" strings, sorted. */
function tuples(d: Interactions): string[] {
  const out: string[] = []
  for (let u = 0; u < d.users.size; u++) for (let k = d.indptr[u]!; k < d.indptr[u + 1]!; k++) out.push(`${u}|${d.indices[k]}|${d.values[k]}|${d.timestamps?.[k]}`)
  return out.sort()
}

const arbData = fc
  .record({
    nu: fc.integer({ min: 1, max: 8 }),
    ni: fc.integer({ min: 2, max: 12 }),
    rows: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 20 })), { minLength: 6, maxLength: 60 }),
  })
  .map(({ nu, ni, rows }) => {
    // distinct (user, item) pairs; unique value per entry so tuples identify entries
    const seen = new Set<string>()
    const kept = rows.map(([u, i, r, t]) => [u % nu, i % ni, r, t] as const).filter(([u, i]) => !seen.has(`${u},${i}`) && !!seen.add(`${u},${i}`))
    return fromCoo({
      users: rangeVocabulary(nu),
      items: rangeVocabulary(ni),
      userIdx: Int32Array.from(kept.map((x) => x[0])),
      itemIdx: Int32Array.from(kept.map((x) => x[1])),
      values: Float32Array.from(kept.map((x, k) => x[2] + k / 1000)),
      timestamps: Float64Array.from(kept.map((x) => x[3])),
    })
  })
  .filter((d) => nnz(d) >= 5)

function sameSplit(a: EvalSplit, b: EvalSplit): boolean {
  const eq = (x: ArrayLike<number>, y: ArrayLike<number>) => x.length === y.length && Array.from(x).every((v, k) => Object.is(v, y[k]))
  return eq(a.train.indptr, b.train.indptr) && eq(a.train.indices, b.train.indices) && eq(a.test.indices, b.test.indices) && eq(a.test.indptr, b.test.indptr) && eq(a.candidates?.items ?? [], b.candidates?.items ?? [])
}

describe('splitProtocol properties', () => {
  it('train and test are disjoint, cover the data, share vocabularies, and repeat for the same seed', () => {
    fc.assert(
      fc.property(arbData, fc.constantFrom(...PROTOCOLS), fc.integer({ min: 0, max: 1000 }), (d, protocol: Protocol, seed) => {
        const ds = dataset(d)
        const splits = splitProtocol(ds, protocol, { seed })
        const again = splitProtocol(ds, protocol, { seed })
        const all = tuples(d)
        splits.forEach((s, f) => {
          expect(s.train.users).toBe(d.users)
          expect(s.test.items).toBe(d.items)
          const tr = tuples(s.train)
          const te = tuples(s.test)
          expect([...tr, ...te].sort()).toEqual(all)
          const trSet = new Set(tr)
          expect(te.some((t) => trSet.has(t))).toBe(false)
          expect(sameSplit(s, again[f]!)).toBe(true)
        })
        if (protocol === 'rating-folds') {
          expect(splits).toHaveLength(5)
          expect(splits.flatMap((s) => tuples(s.test)).sort()).toEqual(all)
        }
      }),
      { numRuns: 150 },
    )
  })

  it('holdout-full tests 20% (at least one, never all) of each user with 2+ interactions', () => {
    fc.assert(
      fc.property(arbData, fc.integer({ min: 0, max: 1000 }), (d, seed) => {
        const [s] = splitProtocol(dataset(d), 'holdout-full', { seed })
        for (let u = 0; u < d.users.size; u++) {
          const m = d.indptr[u + 1]! - d.indptr[u]!
          const nt = s!.test.indptr[u + 1]! - s!.test.indptr[u]!
          if (m < 2) expect(nt).toBe(0)
          else expect(nt).toBe(Math.min(m - 1, Math.max(1, Math.round(m * 0.2))))
        }
      }),
    )
  })

  it('temporal-full puts the latest interactions in test', () => {
    fc.assert(
      fc.property(arbData, (d) => {
        const [s] = splitProtocol(dataset(d), 'temporal-full', { seed: 1 })
        const n = nnz(d)
        expect(nnz(s!.test)).toBe(Math.min(n - 1, Math.max(1, Math.round(n * 0.2))))
        const maxTrain = Math.max(...s!.train.timestamps!)
        const minTest = Math.min(...s!.test.timestamps!)
        expect(maxTrain).toBeLessThanOrEqual(minTest)
      }),
    )
  })

  it('loo-sampled holds out the latest item and samples unseen, distinct negatives', () => {
    fc.assert(
      fc.property(arbData, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 20 }), (d, seed, negatives) => {
        const [s] = splitProtocol(dataset(d), 'loo-sampled', { seed, negatives })
        const c = s!.candidates!
        expect(c.indptr).toHaveLength(d.users.size + 1)
        for (let u = 0; u < d.users.size; u++) {
          const a = d.indptr[u]!
          const m = d.indptr[u + 1]! - a
          const list = [...c.items.subarray(c.indptr[u]!, c.indptr[u + 1]!)]
          const nt = s!.test.indptr[u + 1]! - s!.test.indptr[u]!
          if (m < 2) {
            expect(nt).toBe(0)
            expect(list).toEqual([])
            continue
          }
          expect(nt).toBe(1)
          const testItem = s!.test.indices[s!.test.indptr[u]!]!
          const testTime = s!.test.timestamps![s!.test.indptr[u]!]!
          expect(testTime).toBe(Math.max(...d.timestamps!.subarray(a, a + m)))
          expect(list[0]).toBe(testItem)
          const mine = new Set(d.indices.subarray(a, a + m))
          const negs = list.slice(1)
          expect(new Set(negs).size).toBe(negs.length)
          expect(negs.some((i) => mine.has(i))).toBe(false)
          expect(negs.length).toBe(Math.min(negatives, d.items.size - mine.size))
        }
      }),
    )
  })
})

describe('splitProtocol by hand', () => {
  const b = new InteractionsBuilder({ timestamps: true })
  b.push('a', 'x', 5, 10)
  b.push('a', 'y', 4, 30)
  b.push('a', 'z', 3, 30) // ties with y: the later input wins
  b.push('b', 'x', 2, 20)
  b.push('c', 'y', 1, 5)
  b.push('c', 'w', 1, 40)
  const d = b.build()

  it('loo-sampled picks the latest by time, ties by input order', () => {
    const [s] = splitProtocol(dataset(d), 'loo-sampled', { seed: 3 })
    expect(tuples(s!.test)).toEqual(['0|2|3|30', '2|3|1|40'])
    const c = s!.candidates!
    // user a: z then w (the only item a never touched); b has one interaction (train only); c: w then x and z
    expect([...c.indptr]).toEqual([0, 2, 2, 5])
    expect([...c.items.subarray(0, 3)]).toEqual([2, 3, 3])
    expect([...c.items.subarray(3)].sort()).toEqual([0, 2])
    expect(s!.unseenUsers).toBe(0)
  })

  it('temporal-full counts test users and items absent from training', () => {
    const [s] = splitProtocol(dataset(d), 'temporal-full', { seed: 0, testFraction: 0.5 })
    // times 10,30,30,20,5,40: the latest three are 40, 30 (z), 30 (y)
    expect(tuples(s!.test)).toEqual(['0|1|4|30', '0|2|3|30', '2|3|1|40'])
    expect(s!.unseenUsers).toBe(0)
    expect(s!.unseenItems).toBe(2) // z and w appear only in test
  })

  it('rating-folds uses the dataset folds when present and validates options', () => {
    const folds = [{ train: d, test: d }]
    expect(splitProtocol({ ...dataset(d), folds }, 'rating-folds', { seed: 1 })[0]!.train).toBe(d)
    expect(() => splitProtocol(dataset(d), 'nope' as Protocol, { seed: 1 })).toThrow(/unknown protocol/)
    expect(() => splitProtocol(dataset(d), 'holdout-full', { seed: 1, testFraction: 1 })).toThrow(/testFraction/)
    const noTime = fromCoo({ users: d.users, items: d.items, userIdx: new Int32Array([0]), itemIdx: new Int32Array([0]), values: new Float32Array([1]) })
    expect(() => splitProtocol(dataset(noTime), 'temporal-full', { seed: 1 })).toThrow(/timestamps/)
  })

  it('givenSplit maps test ids onto the training vocabularies and counts unseen users and items', () => {
    const tb = new InteractionsBuilder({ timestamps: true })
    tb.push('a', 'q', 4, 50) // q: new item
    tb.push('new', 'x', 3, 60) // new user
    tb.push('b', 'y', 5, 70)
    const s = givenSplit(dataset(d), dataset(tb.build()))
    expect(s.protocol).toBe('given')
    expect(s.train.users.ids()).toEqual(['a', 'b', 'c', 'new'])
    expect(s.train.items.ids()).toEqual(['x', 'y', 'z', 'w', 'q'])
    expect(tuples(s.train)).toEqual(tuples(d))
    expect(s.test.users).toBe(s.train.users)
    expect(tuples(s.test)).toEqual(['0|4|4|50', '1|1|5|70', '3|0|3|60'])
    expect(s.unseenUsers).toBe(1)
    expect(s.unseenItems).toBe(1)
  })
})
