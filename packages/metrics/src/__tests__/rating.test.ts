import { isRecForgeError } from '@recforge/core'
import { describe, expect, it } from 'vitest'
import { mae, rmse } from '../rating'

describe('rmse and mae', () => {
  it('match hand computations', () => {
    // errors: 4.5-4 = 0.5, 2-3 = -1, 3-2 = 1
    // rmse = sqrt((0.25 + 1 + 1) / 3) = sqrt(0.75) = 0.8660254
    // mae = (0.5 + 1 + 1) / 3 = 0.8333333
    const pred = Float32Array.of(4.5, 2, 3)
    const truth = Float32Array.of(4, 3, 2)
    expect(rmse(pred, truth)).toBeCloseTo(Math.sqrt(0.75), 12)
    expect(mae(pred, truth)).toBeCloseTo(2.5 / 3, 12)
  })

  it('are 0 for perfect predictions and rmse >= mae', () => {
    const t = Float64Array.of(1, 2, 3, 4, 5)
    expect(rmse(t, t)).toBe(0)
    expect(mae(t, t)).toBe(0)
    const p = Float64Array.of(1, 2, 3, 4, 1)
    expect(rmse(p, t)).toBeGreaterThanOrEqual(mae(p, t))
  })

  it('reject mismatched and empty input', () => {
    expect(() => rmse(Float32Array.of(1), Float32Array.of(1, 2))).toThrow(/1 predictions for 2 true ratings/)
    try {
      mae([], [])
      expect.unreachable()
    } catch (e) {
      expect(isRecForgeError(e, 'EMPTY_INPUT')).toBe(true)
    }
  })
})
