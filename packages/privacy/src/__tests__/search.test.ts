import { describe, expect, it } from 'vitest'
import { findThreshold } from '../internal/search'

describe('findThreshold', () => {
  const atLeast = (t: number) => (x: number) => x >= t

  it('brackets upwards or downwards from the start, then bisects to the tolerance', () => {
    for (const start of [1, 100, 3]) {
      const r = findThreshold(atLeast(3), { start, relTol: 1e-9 })!
      expect(atLeast(3)(r.below)).toBe(false)
      expect(atLeast(3)(r.at)).toBe(true)
      expect(r.at - r.below).toBeLessThanOrEqual(1e-9 * r.at)
      expect(r.at).toBeCloseTo(3, 8)
    }
  })

  it('bisects from a known failing point without halving, and gives up past the ceiling', () => {
    const calls: number[] = []
    const r = findThreshold((x) => (calls.push(x), x >= 0.25), { start: 1, below: 0, relTol: 0.5 })!
    // [0, 1] -> 0.5 passes -> [0, 0.5] -> 0.25 passes -> [0, 0.25] -> 0.125 fails -> [0.125, 0.25], within half of 0.25
    expect(calls).toEqual([1, 0.5, 0.25, 0.125])
    expect(r).toEqual({ below: 0.125, at: 0.25 })
    expect(findThreshold(atLeast(1e9), { start: 1, ceiling: 1e6, relTol: 1e-3 })).toBeUndefined()
  })

  it('stops halving at the floor', () => {
    const r = findThreshold(() => true, { start: 1, floor: 0.1, relTol: 1e-3 })!
    expect(r.below).toBeLessThanOrEqual(0.1)
    expect(r.below).toBeGreaterThan(0.05)
  })
})
