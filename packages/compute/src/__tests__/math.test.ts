import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TopKHeap, choleskySolve, dot, normalizeInPlace, splitByPrefix, splitEven, splitTriangle, squaredL2 } from '../index'

describe('shared math', () => {
  it('choleskySolve solves an SPD system from its lower triangle', () => {
    // [[4, 2], [2, 2]] = L Lᵀ with L = [[2, 0], [1, 1]]: x = [1, 2] for b = [8, 6]; the upper entry is never read
    expect(Array.from(choleskySolve(new Float64Array([4, 99, 2, 2]), new Float64Array([8, 6]), 2))).toEqual([1, 2])
    const A = new Float64Array([4, 0, 0, 2, 5, 0, 0, 1, 3])
    const x = choleskySolve(A, new Float64Array([6, 8, 4]), 3)
    // check against the full symmetric matrix [[4, 2, 0], [2, 5, 1], [0, 1, 3]]
    expect(4 * x[0]! + 2 * x[1]!).toBeCloseTo(6, 12)
    expect(2 * x[0]! + 5 * x[1]! + x[2]!).toBeCloseTo(8, 12)
    expect(x[1]! + 3 * x[2]!).toBeCloseTo(4, 12)
  })

  it('dot, squaredL2 and normalizeInPlace on offsets', () => {
    const a = new Float32Array([9, 1, 2, 3, 4, 5])
    const b = new Float32Array([6, 5, 4, 3, 2, 1])
    expect(dot(a, 1, b, 1, 5)).toBe(5 + 8 + 9 + 8 + 5)
    expect(squaredL2(a, 1, b, 0, 5)).toBe(25 + 9 + 1 + 1 + 9)
    const v = new Float32Array([7, 3, 4])
    normalizeInPlace(v, 1, 2)
    expect(Array.from(v)).toEqual([7, Math.fround(0.6), Math.fround(0.8)])
    const z = new Float32Array(3)
    normalizeInPlace(z, 0, 3)
    expect(Array.from(z)).toEqual([0, 0, 0])
  })

  it('TopKHeap keeps the best pairs, best first, ties to the smaller index, NaN never', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 40 }), fc.integer({ min: 0, max: 8 }), (scores, k) => {
        const heap = new TopKHeap(k)
        scores.forEach((s, i) => heap.push(s, i))
        heap.push(Number.NaN, 99)
        const n = Math.min(k, scores.length)
        expect(heap.size).toBe(n)
        const items = new Int32Array(n + 1).fill(-1)
        const out = new Float32Array(n + 1)
        expect(heap.drain(items, out, 1)).toBe(n)
        expect(heap.size).toBe(0)
        const want = scores.map((s, i) => [s, i] as const).sort((p, q) => q[0] - p[0] || p[1] - q[1]).slice(0, n)
        expect(Array.from(items.subarray(1))).toEqual(want.map(([, i]) => i))
        expect(Array.from(out.subarray(1))).toEqual(want.map(([s]) => s))
      }),
    )
  })

  it('splits rows evenly, by triangle area and by cumulative weight', () => {
    expect(Array.from(splitEven(10, 3))).toEqual([0, 3, 7, 10])
    expect(Array.from(splitTriangle(1000, 4))).toEqual([0, 500, 707, 866, 1000])
    // rows of weight 1, 1, 1, 5, 1, 1 (prefix 0, 1, 2, 3, 8, 9, 10): halves at 5 of 10
    const prefix = [0, 1, 2, 3, 8, 9, 10]
    expect(Array.from(splitByPrefix((i) => prefix[i]!, 6, 2))).toEqual([0, 4, 6])
    expect(Array.from(splitByPrefix((i) => prefix[i]!, 6, 1))).toEqual([0, 6])
    expect(Array.from(splitByPrefix(() => 0, 3, 3))).toEqual([0, 0, 0, 3])
  })
})
