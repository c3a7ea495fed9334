import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dbscan } from '../dbscan'
import { fromInts } from './helpers'

const line = { vectors: Float32Array.of(0, 1, 2, 3, 10, 11, 12, 50), dimensions: 1 }

describe('dbscan, hand-computed', () => {
  it('a chain: steps of 1 within eps 1.5 link up, the far row is noise', () => {
    const r = dbscan(line, { eps: 1.5, minPoints: 2 })
    expect([...r.labels]).toEqual([0, 0, 0, 0, 1, 1, 1, -1])
    expect([...r.core]).toEqual([1, 1, 1, 1, 1, 1, 1, 0])
    expect(r.clusters).toBe(2)
    expect(r.noise).toBe(1)
    expect([...r.sizes]).toEqual([4, 3])
  })

  it('minPoints 3: chain ends are border rows; row 0 is seen as noise first and then claimed', () => {
    // neighbours (self included): 0:{0,1} 1:{0,1,2} 2:{1,2,3} 3:{2,3} 10:{10,11} 11:{10,11,12} 12:{11,12} 50:{50}
    const r = dbscan(line, { eps: 1.5, minPoints: 3 })
    expect([...r.labels]).toEqual([0, 0, 0, 0, 1, 1, 1, -1])
    expect([...r.core]).toEqual([0, 1, 1, 0, 0, 1, 0, 0])
    expect([...r.sizes]).toEqual([4, 3])
  })

  it('eps is inclusive, and with minPoints 1 every row is a core row', () => {
    expect([...dbscan(line, { eps: 1, minPoints: 2 }).labels]).toEqual([0, 0, 0, 0, 1, 1, 1, -1])
    expect([...dbscan(line, { eps: 0.999, minPoints: 2 }).labels]).toEqual([-1, -1, -1, -1, -1, -1, -1, -1])
    expect([...dbscan(line, { eps: 0, minPoints: 1 }).labels]).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })

  it('a border row reachable from two clusters joins the one found first', () => {
    // cores at 0 (with -1) and 4 (with 5); row 2 is within 2 of both 0 and 4 but has only 3 neighbours
    const v = { vectors: Float32Array.of(-1, 0, 2, 4, 5), dimensions: 1 }
    const r = dbscan(v, { eps: 2, minPoints: 3 })
    // neighbours: -1:{-1,0} 0:{-1,0,2} 2:{0,2,4} 4:{2,4,5} 5:{4,5}: 0, 2 and 4 are core, so one cluster
    expect([...r.labels]).toEqual([0, 0, 0, 0, 0])
    const w = { vectors: Float32Array.of(-1, -0.5, 0, 2, 4, 4.5, 5), dimensions: 1 }
    // 0:{-1,-0.5,0,2} core; 4:{2,4,4.5,5} core; 2:{0,2,4} has 3 < 4: border, reached from 0 first
    const s = dbscan(w, { eps: 2, minPoints: 4 })
    expect([...s.labels]).toEqual([0, 0, 0, 0, 1, 1, 1])
    expect(s.core[3]).toBe(0)
  })

  it('cosine distance groups directions whatever the length', () => {
    // two directions: along (1, 0) and along (0, 1), at different lengths; one diagonal row
    const v = { vectors: Float32Array.of(1, 0, 5, 0.1, 0.2, 0, 0, 3, 0.1, 7, 1, 1), dimensions: 2 }
    const r = dbscan(v, { eps: 0.01, minPoints: 2, metric: 'cosine' })
    expect([...r.labels]).toEqual([0, 0, 0, 1, 1, -1])
    expect(() => dbscan({ vectors: Float32Array.of(1, 0, 0, 0), dimensions: 2 }, { eps: 0.1, metric: 'cosine' })).toThrow(/row 1 is all zeros/)
  })

  it('explains bad options', () => {
    expect(() => dbscan(line, {} as never)).toThrow(/option "eps" \(the neighbourhood radius\) is required/)
    expect(() => dbscan(line, { eps: -1 })).toThrow(/dbscan: option "eps" must be a finite number >= 0; got -1/)
    expect(() => dbscan(line, { eps: 1, minPoints: 0 })).toThrow(/option "minPoints" must be an integer >= 1/)
    expect(() => dbscan(line, { eps: 1, metric: 'ip' as never })).toThrow(/metric must be "l2" or "cosine"; got "ip"/)
  })
})

describe('dbscan laws (fast-check)', () => {
  it('labels lie in -1..clusters-1; core rows have minPoints neighbours; noise rows have no core neighbour; sizes add up', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 2, maxLength: 80 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 5 }),
        (values, d, eps10, minPoints) => {
          const e = fromInts(values, d)
          const n = e.vectors.length / d
          if (n === 0) return
          const eps = eps10 / 10
          const r = dbscan(e, { eps, minPoints })
          const near = (p: number, q: number) => {
            let s = 0
            for (let j = 0; j < d; j++) s += (e.vectors[p * d + j]! - e.vectors[q * d + j]!) ** 2
            return s <= eps * eps
          }
          let noise = 0
          for (let p = 0; p < n; p++) {
            const l = r.labels[p]!
            expect(l >= -1 && l < r.clusters).toBe(true)
            let count = 0
            for (let q = 0; q < n; q++) if (near(p, q)) count++
            expect(r.core[p]).toBe(count >= minPoints ? 1 : 0)
            if (l === -1) {
              noise++
              for (let q = 0; q < n; q++) if (near(p, q)) expect(r.core[q]).toBe(0)
            }
            // core neighbours share a cluster
            if (r.core[p]) for (let q = 0; q < n; q++) if (r.core[q] && near(p, q)) expect(r.labels[q]).toBe(l)
          }
          expect(r.noise).toBe(noise)
          expect([...r.sizes].reduce((a, b) => a + b, 0)).toBe(n - noise)
        },
      ),
      { numRuns: 200 },
    )
  })
})
