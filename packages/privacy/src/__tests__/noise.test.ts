import { describe, expect, it } from 'vitest'
import { laplace, poissonSample, secureNoise, seededNoise } from '../index'

describe('noise sources', () => {
  it('repeat with a seed and give uniforms in (0, 1) and standard normals', () => {
    const a = seededNoise(5)
    const b = seededNoise(5)
    expect([a.uniform(), a.normal()]).toEqual([b.uniform(), b.normal()])
    for (const src of [seededNoise(11), secureNoise()]) {
      let sum = 0
      let ss = 0
      const n = 20_000
      for (let j = 0; j < n; j++) {
        const u = src.uniform()
        expect(u > 0 && u < 1).toBe(true)
        const z = src.normal()
        sum += z
        ss += z * z
      }
      // 20,000 draws: the mean is within 0.05 (7 standard errors) and the variance within 10%
      expect(Math.abs(sum / n)).toBeLessThan(0.05)
      expect(Math.abs(ss / n - 1)).toBeLessThan(0.1)
    }
  })

  it('draws Laplace noise of variance 2 scale²', () => {
    const src = seededNoise(3)
    let ss = 0
    for (let j = 0; j < 20_000; j++) ss += laplace(src, 2) ** 2
    expect(Math.abs(ss / 20_000 / 8 - 1)).toBeLessThan(0.1)
  })
})

describe('poissonSample', () => {
  it('takes everything at rate 1, nothing at rate 0, and increasing indices in range otherwise', () => {
    const src = seededNoise(1)
    expect(Array.from(poissonSample(src, 5, 1, new Int32Array(2)).indices.subarray(0, 5))).toEqual([0, 1, 2, 3, 4])
    expect(poissonSample(src, 5, 0, new Int32Array(2)).count).toBe(0)
    let total = 0
    for (let r = 0; r < 200; r++) {
      const { indices, count } = poissonSample(src, 1000, 0.05, new Int32Array(4))
      for (let j = 0; j < count; j++) {
        expect(indices[j]!).toBeGreaterThanOrEqual(j === 0 ? 0 : indices[j - 1]! + 1)
        expect(indices[j]!).toBeLessThan(1000)
      }
      total += count
    }
    // 200 samples of Binomial(1000, 0.05): mean 50, standard error of the mean 0.49
    expect(Math.abs(total / 200 - 50)).toBeLessThan(2.5)
  })
})
