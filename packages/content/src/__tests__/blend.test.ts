import { describe, expect, it } from 'vitest'
import { InteractionsBuilder, Random, type Interactions } from '@recforge/core'
import { BLEND_LEVELS, blendBucket, blendNdcg, carveValidation, compactCase, searchBlend, type BlendCase } from '../internal/blend'

/** `users` users with `perUser` distinct items each, timestamps shuffled per user. */
function histories(users: number, perUser: number, seed = 1): Interactions {
  const rng = new Random(seed)
  const b = new InteractionsBuilder({ timestamps: true })
  for (let u = 0; u < users; u++) {
    const times = rng.permutation(perUser)
    for (let j = 0; j < perUser; j++) b.push(`u${u}`, `i${(u * 7 + j) % 200}`, 1, times[j]!)
  }
  return b.build()
}

function row(d: Interactions, u: number): number[] {
  return Array.from(d.indices.subarray(d.indptr[u]!, d.indptr[u + 1]!))
}

describe('blendBucket', () => {
  it('maps training interactions to the buckets 1, 2, 3–4, 5–9, 10–19, 20+', () => {
    const cases: [number, number][] = [[0, 0], [1, 0], [2, 1], [3, 2], [4, 2], [5, 3], [9, 3], [10, 4], [19, 4], [20, 5], [5000, 5]]
    for (const [n, b] of cases) expect(blendBucket(n), `n = ${n}`).toBe(b)
  })
})

describe('carveValidation', () => {
  it('cuts a seeded share of users down to each bucket’s earliest interactions, and a share of the rest to a random 80%', () => {
    const data = histories(60, 30)
    const s = carveValidation(data, { fraction: 0.5, maxUsers: 100, seed: 4 })!
    // half of 60 dealt round-robin into the five new-user buckets, then half of the other 30 warm
    expect(s.users.length).toBe(45)
    expect(Array.from(s.users)).toEqual([...s.users].sort((a, b) => a - b))
    for (let b = 0; b < BLEND_LEVELS.length - 1; b++) expect(s.buckets.filter((x) => x === b).length).toBe(6)
    expect(s.buckets.filter((x) => x === BLEND_LEVELS.length - 1).length).toBe(15)
    expect(s.train.indices.length + s.targets.indices.length).toBe(data.indices.length)
    const chosen = new Set(s.users)
    for (let u = 0; u < data.users.size; u++) {
      const kept = row(s.train, u)
      const lost = row(s.targets, u)
      expect([...kept, ...lost].sort((a, b) => a - b)).toEqual(row(data, u).sort((a, b) => a - b))
      if (!chosen.has(u)) {
        expect(lost).toEqual([])
        continue
      }
      const b = s.buckets[s.users.indexOf(u)]!
      if (b === BLEND_LEVELS.length - 1) {
        expect(kept.length).toBe(24)
        continue
      }
      expect(kept.length).toBe(BLEND_LEVELS[b])
      // what is kept is the earliest
      const a = data.indptr[u]!
      const time = new Map(Array.from({ length: 30 }, (_, j) => [data.indices[a + j]!, data.timestamps![a + j]!]))
      const latestKept = Math.max(...kept.map((i) => time.get(i)!))
      expect(Math.min(...lost.map((i) => time.get(i)!))).toBeGreaterThan(latestKept)
    }
  })

  it('is deterministic for a seed and caps the number of users', () => {
    const data = histories(60, 30)
    const a = carveValidation(data, { fraction: 0.5, maxUsers: 12, seed: 4 })!
    const b = carveValidation(data, { fraction: 0.5, maxUsers: 12, seed: 4 })!
    const c = carveValidation(data, { fraction: 0.5, maxUsers: 12, seed: 5 })!
    expect(a.users.length).toBe(24)
    expect(Array.from(b.users)).toEqual(Array.from(a.users))
    expect(Array.from(b.train.indices)).toEqual(Array.from(a.train.indices))
    expect(Array.from(c.users)).not.toEqual(Array.from(a.users))
  })

  it('falls back to short histories and never cuts a user to nothing', () => {
    const data = histories(40, 3)
    const s = carveValidation(data, { fraction: 0.5, maxUsers: 100, seed: 2 })!
    expect(s.users.length).toBe(30)
    for (const [j, u] of Array.from(s.users).entries()) {
      expect(s.buckets[j]).toBeLessThanOrEqual(1)
      expect(row(s.train, u).length).toBe(BLEND_LEVELS[s.buckets[j]!])
      expect(row(s.targets, u).length).toBeGreaterThan(0)
    }
    expect(carveValidation(histories(10, 1), { fraction: 0.5, maxUsers: 100, seed: 2 })).toBeUndefined()
  })
})

describe('blendNdcg', () => {
  const f = (...xs: number[]) => Float32Array.from(xs)
  const features = [f(5, 4, 3, 2, 1), f(1, 2, 3, 4, 5), f(0, 0, 0, 0, 0)]

  it('matches hand-computed weighted ndcg@k, excluding seen items', () => {
    const a: BlendCase = { features, seen: Int32Array.of(0), targets: Int32Array.of(1, 2) }
    const b: BlendCase = { features, seen: Int32Array.of(0), targets: Int32Array.of(4), weight: 3 }
    // CF alone ranks 1, 2 (0 is seen): a is perfect, b finds nothing
    expect(blendNdcg([a, b], [1, 0, 0], 2)).toBeCloseTo(0.25, 10)
    // content alone ranks 4, 3: a gets nothing, b is perfect
    expect(blendNdcg([a, b], [0, 1, 0], 2)).toBeCloseTo(0.75, 10)
    // one hit of two at rank 2: (1/log2 3) / (1 + 1/log2 3)
    const c: BlendCase = { features, seen: Int32Array.of(), targets: Int32Array.of(1, 4) }
    expect(blendNdcg([c], [1, 0, 0], 2)).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)), 6)
    expect(blendNdcg([], [1, 0, 0], 2)).toBe(0)
  })

  it('breaks ties by the lower item index and never ranks seen items', () => {
    const zero = [f(0, 0, 0, 0), f(0, 0, 0, 0), f(0, 0, 0, 0)]
    expect(blendNdcg([{ features: zero, seen: Int32Array.of(), targets: Int32Array.of(0) }], [1, 0, 0], 1)).toBe(1)
    expect(blendNdcg([{ features: zero, seen: Int32Array.of(), targets: Int32Array.of(3) }], [1, 0, 0], 1)).toBe(0)
    // everything but the target is seen; k larger than what is left
    expect(blendNdcg([{ features: zero, seen: Int32Array.of(0, 1, 2), targets: Int32Array.of(3) }], [1, 0, 0], 3)).toBe(1)
  })
})

describe('compactCase', () => {
  it('keeps every item that can reach the top k, so ndcg is unchanged for any blend', () => {
    const rng = new Random(11)
    for (let trial = 0; trial < 5; trial++) {
      const n = 400
      const features = [0, 1, 2].map(() => Float32Array.from({ length: n }, () => rng.normal()))
      const c: BlendCase = { features, seen: Int32Array.from(rng.permutation(n).subarray(0, 30)), targets: Int32Array.from(rng.permutation(n).subarray(0, 12)) }
      const small = compactCase(c, 10)
      // seen items go, and so do items beaten by ten others whatever the weights
      expect(small.features[0]!.length).toBeLessThan(n - 30)
      expect(small.targets).toBe(c.targets)
      for (let r = 0; r < 20; r++) {
        const a = rng.float()
        const b = rng.float() * (1 - a)
        const w = [a, b, 1 - a - b]
        expect(blendNdcg([small], w, 10)).toBe(blendNdcg([c], w, 10))
      }
    }
  })
})

describe('searchBlend', () => {
  function cases(seed: number, informative: number): BlendCase[] {
    const rng = new Random(seed)
    return Array.from({ length: 30 }, () => {
      const targets = Int32Array.from(rng.permutation(50).subarray(0, 3))
      const feats = [0, 1, 2].map((f) => {
        const x = Float32Array.from({ length: 50 }, () => rng.normal())
        if (f === informative) for (const t of targets) x[t] = x[t]! + 2.5
        return x
      })
      return { features: feats, seen: Int32Array.of(), targets }
    })
  }

  it('finds the feature that carries the signal', () => {
    const c = cases(3, 2)
    const r = searchBlend(c, 10)
    expect(r.weights[2]).toBeGreaterThan(0.5)
    expect(r.ndcg).toBeGreaterThan(blendNdcg(c, [1, 0, 0], 10))
    expect(r.ndcg).toBeCloseTo(blendNdcg(c, r.weights, 10), 10)
    expect(r.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10)
  })

  it('keeps CF alone when nothing else helps', () => {
    const c = cases(4, 0).map((x) => ({ ...x, features: [x.features[0]!, new Float32Array(50), new Float32Array(50)] }))
    const r = searchBlend(c, 10)
    expect(Array.from(r.weights)).toEqual([1, 0, 0])
  })

  it('stops on an aborted signal', () => {
    const ac = new AbortController()
    ac.abort()
    expect(() => searchBlend(cases(3, 2), 10, ac.signal)).toThrow(/abort/i)
  })
})
