import { Random, RecForgeError, decodeArtifacts, encodeArtifacts } from '@recforge/core'
import { describeRecommender } from '@recforge/core/testing'
import { describe, expect, it } from 'vitest'
import { EASE } from '../ease'
import { denseGram, fromRows, gaussJordanInverse, maxRelErr, randomImplicit } from './helpers'

describeRecommender('ease', { create: () => new EASE({ lambda: 10 }), load: (a) => EASE.load(a) })

/** B = I - P diag(1/diag(P)) from a direct inverse, row-major. */
function directWeights(P: Float64Array, n: number): Float64Array {
  const B = new Float64Array(n * n)
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) B[i * n + j] = i === j ? 0 : -P[i * n + j]! / P[j * n + j]!
  return B
}

describe('EASE weights', () => {
  // 4 users x 4 items
  const toy = fromRows(4, [
    [[0, 1], [1, 1]],
    [[0, 1], [1, 1], [2, 1]],
    [[1, 1], [2, 1]],
    [[2, 1], [3, 1]],
  ])

  it('equals B = I - P diag(1/diag P) with P from a direct inverse, zero diagonal', async () => {
    const ease = new EASE({ lambda: 1, threads: 1 })
    await ease.fit(toy)
    // G = X^T X + I by hand: counts [2,3,3,1] on the diagonal, co-counts 01:2 02:1 12:2 23:1
    const G = Float64Array.from([3, 2, 1, 0, 2, 4, 2, 0, 1, 2, 4, 1, 0, 0, 1, 2])
    expect(Array.from(denseGram(toy, 1))).toEqual(Array.from(G))
    const want = directWeights(gaussJordanInverse(G, 4), 4)
    const got = ease.weightMatrix()
    for (let k = 0; k < 16; k++) expect(got[k]!).toBeCloseTo(want[k]!, 6)
    for (let i = 0; i < 4; i++) expect(got[i * 4 + i]).toBe(0)
    // a user's scores are their row times B
    const s = ease.score(3, Int32Array.from([0, 1, 2, 3]))
    for (let j = 0; j < 4; j++) expect(s[j]!).toBeCloseTo(want[2 * 4 + j]! + want[3 * 4 + j]!, 6)
  })

  it('uses interaction values when binary is false', async () => {
    const rated = fromRows(3, [
      [[0, 5], [1, 3]],
      [[1, 4], [2, 2]],
      [[0, 1], [2, 4]],
    ])
    const ease = new EASE({ lambda: 2, binary: false, threads: 1 })
    await ease.fit(rated)
    const want = directWeights(gaussJordanInverse(denseGram(rated, 2, false), 3), 3)
    const got = ease.weightMatrix()
    for (let k = 0; k < 9; k++) expect(got[k]!).toBeCloseTo(want[k]!, 6)
    const s = ease.score(0, Int32Array.from([2]))
    expect(s[0]!).toBeCloseTo(5 * want[0 * 3 + 2]! + 3 * want[1 * 3 + 2]!, 5)
  })

  it('matches a direct inverse on a random 60-item catalogue', async () => {
    const data = randomImplicit(80, 60, 15, new Random(5))
    const ease = new EASE({ lambda: 3, threads: 1 })
    await ease.fit(data)
    const want = directWeights(gaussJordanInverse(denseGram(data, 3), 60), 60)
    const got = ease.weightMatrix()
    let err = 0
    for (let k = 0; k < want.length; k++) err = Math.max(err, Math.abs(got[k]! - want[k]!))
    expect(err).toBeLessThan(1e-6)
  })

  it('float32 working precision stays close to float64', async () => {
    const data = randomImplicit(200, 150, 20, new Random(6))
    const a = new EASE({ lambda: 20, threads: 1 })
    const b = new EASE({ lambda: 20, threads: 1, precision: 'float32' })
    await a.fit(data)
    await b.fit(data)
    const rel = maxRelErr(b.weightMatrix(), a.weightMatrix())
    expect(rel).toBeLessThan(1e-4)
    // the float32 weights really come from the float32 sweep, and rank the same items first
    expect(rel).toBeGreaterThan(0)
    for (let u = 0; u < 20; u++) expect(Array.from(b.recommend(u, { k: 5 }).items)).toEqual(Array.from(a.recommend(u, { k: 5 }).items))
  })

  it('float32 gives identical weights with and without worker threads', async () => {
    const data = randomImplicit(300, 250, 25, new Random(9))
    const one = new EASE({ lambda: 50, threads: 1, precision: 'float32' })
    const two = new EASE({ lambda: 50, threads: 2, precision: 'float32' })
    await one.fit(data)
    await two.fit(data)
    expect(two.weightMatrix()).toEqual(one.weightMatrix())
  }, 60_000)

  it('maxItems models the most popular items only; others score -Infinity', async () => {
    // item popularity: i1 (3), i2 (3), i0 (2), i3 (1)
    const ease = new EASE({ lambda: 1, maxItems: 2, threads: 1 })
    await ease.fit(toy)
    expect(ease.modelledItems).toBe(2)
    const s = ease.score(0, Int32Array.from([0, 1, 2, 3]))
    expect(s[0]).toBe(Number.NEGATIVE_INFINITY)
    expect(s[3]).toBe(Number.NEGATIVE_INFINITY)
    // the restricted model is EASE on columns {1, 2}: G = [[3+1, 2], [2, 3+1]]
    const P = gaussJordanInverse(Float64Array.from([4, 2, 2, 4]), 2)
    const B12 = -P[1]! / P[3]!
    expect(s[2]!).toBeCloseTo(B12, 6) // user 0 has item 1 only among the modelled ones
    expect(Array.from(ease.similarItems(1, 5).items)).toEqual([2])
    expect(ease.similarItems(0, 5).items.length).toBe(0)
    const again = await EASE.load(decodeArtifacts(encodeArtifacts(await ease.save())))
    expect(Array.from(again.score(0, Int32Array.from([0, 1, 2, 3])))).toEqual(Array.from(s))
  })

  it('similarItems ranks by B[item][j] and leaves the item out', async () => {
    const ease = new EASE({ lambda: 1, threads: 1 })
    await ease.fit(toy)
    const sim = ease.similarItems(0, 3)
    expect(Array.from(sim.items)).not.toContain(0)
    const B = ease.weightMatrix()
    const row = [1, 2, 3].map((j) => ({ j, w: B[0 * 4 + j]! })).sort((a, b) => b.w - a.w)
    expect(Array.from(sim.items)).toEqual(row.map((r) => r.j))
  })

  it('gives identical weights with and without worker threads, and on refit', async () => {
    const data = randomImplicit(300, 250, 25, new Random(9))
    const one = new EASE({ lambda: 50, threads: 1 })
    const two = new EASE({ lambda: 50, threads: 2 })
    await one.fit(data)
    await two.fit(data)
    expect(two.weightMatrix()).toEqual(one.weightMatrix())
    const again = new EASE({ lambda: 50, threads: 1 })
    await again.fit(data)
    expect(again.weightMatrix()).toEqual(one.weightMatrix())
  }, 60_000)

  describe('user-Gram (Woodbury) solver', () => {
    // 40 users, 150 items: far fewer users than items, where 'auto' takes the user Gram matrix
    const wide = randomImplicit(40, 150, 30, new Random(21))

    it('matches the direct inverse of the item Gram matrix', async () => {
      const users = new EASE({ lambda: 4, threads: 1, solver: 'users' })
      await users.fit(wide)
      const want = directWeights(gaussJordanInverse(denseGram(wide, 4), 150), 150)
      const got = users.weightMatrix()
      let err = 0
      for (let k = 0; k < want.length; k++) err = Math.max(err, Math.abs(got[k]! - want[k]!))
      expect(err).toBeLessThan(1e-6)
      for (let i = 0; i < 150; i++) expect(got[i * 150 + i]).toBe(0)
      const items = new EASE({ lambda: 4, threads: 1, solver: 'items' })
      await items.fit(wide)
      expect(maxRelErr(got, items.weightMatrix())).toBeLessThan(1e-6)
    })

    it('is what auto picks with fewer users than items, and not with more', async () => {
      const stages = new Set<string>()
      const auto = new EASE({ lambda: 4, threads: 1 })
      await auto.fit(wide, { onProgress: (e) => stages.add(e.stage) })
      expect([...stages]).toEqual(['gram', 'invert', 'woodbury', 'weights'])
      const users = new EASE({ lambda: 4, threads: 1, solver: 'users' })
      await users.fit(wide)
      expect(auto.weightMatrix()).toEqual(users.weightMatrix())
      const tall = new Set<string>()
      await new EASE({ lambda: 4, threads: 1 }).fit(randomImplicit(300, 40, 10, new Random(2)), { onProgress: (e) => tall.add(e.stage) })
      expect([...tall]).toEqual(['gram', 'invert', 'weights'])
    })

    it('uses interaction values, keeps maxItems and agrees across threads and precisions', async () => {
      const rated = fromRows(3, [
        [[0, 5], [1, 3]],
        [[1, 4], [2, 2]],
        [[0, 1], [2, 4]],
      ])
      const ease = new EASE({ lambda: 2, binary: false, threads: 1, solver: 'users' })
      await ease.fit(rated)
      const want = directWeights(gaussJordanInverse(denseGram(rated, 2, false), 3), 3)
      for (let k = 0; k < 9; k++) expect(ease.weightMatrix()[k]!).toBeCloseTo(want[k]!, 6)

      const cap = new EASE({ lambda: 1, maxItems: 2, threads: 1, solver: 'users' })
      await cap.fit(toy)
      const P = gaussJordanInverse(Float64Array.from([4, 2, 2, 4]), 2)
      expect(cap.score(0, Int32Array.of(2))[0]!).toBeCloseTo(-P[1]! / P[3]!, 6)

      const one = new EASE({ lambda: 4, threads: 1, solver: 'users' })
      const two = new EASE({ lambda: 4, threads: 2, solver: 'users' })
      const f32 = new EASE({ lambda: 4, threads: 2, solver: 'users', precision: 'float32' })
      await one.fit(wide)
      await two.fit(wide)
      await f32.fit(wide)
      expect(two.weightMatrix()).toEqual(one.weightMatrix())
      const e32 = maxRelErr(f32.weightMatrix(), one.weightMatrix())
      expect(e32).toBeGreaterThan(0)
      expect(e32).toBeLessThan(1e-4)
    }, 60_000)
  })

  it('reports progress and stops when aborted', async () => {
    const stages = new Set<string>()
    const ease = new EASE({ lambda: 1, threads: 1 })
    await ease.fit(toy, { onProgress: (e) => stages.add(e.stage) })
    expect([...stages]).toEqual(['gram', 'invert', 'weights'])
    const ac = new AbortController()
    ac.abort()
    await expect(new EASE({ lambda: 1, threads: 1 }).fit(toy, { signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' })
  })

  it('rejects bad options with INVALID_ARGUMENT', () => {
    for (const bad of [{ lambda: -1 }, { lambda: 0 }, { lambda: Number.NaN }, { maxItems: -3 }, { maxItems: 1.5 }, { threads: -1 }, { precision: 'float16' as 'float32' }, { solver: 'qr' as 'auto' }, { lamda: 3 } as object]) {
      expect(() => new EASE(bad)).toThrow(RecForgeError)
      try {
        new EASE(bad)
      } catch (e) {
        expect((e as RecForgeError).code).toBe('INVALID_ARGUMENT')
      }
    }
  })

  it('rejects artifacts of another model', async () => {
    const ease = new EASE({ lambda: 1, threads: 1 })
    await ease.fit(toy)
    const a = await ease.save()
    await expect(EASE.load({ ...a, model: 'pop' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(EASE.load({ ...a, tensors: { ...a.tensors, weights: new Float32Array(3) } })).rejects.toMatchObject({ code: 'PARSE_ERROR' })
  })
})
