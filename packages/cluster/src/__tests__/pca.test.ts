import fc from 'fast-check'
import { Random } from '@recforge/core'
import { describe, expect, it } from 'vitest'
import { PCA, randomizedSvd } from '../pca'
import { fromInts } from './helpers'

const close = (a: ArrayLike<number>, b: readonly number[], digits = 5) => {
  expect(a.length).toBe(b.length)
  for (let i = 0; i < b.length; i++) expect(a[i]!).toBeCloseTo(b[i]!, digits)
}

describe('randomizedSvd, hand-computed', () => {
  it('rank 1: A = [1 2; 2 4; 3 6] = u vᵀ, σ = |u| |v| = √14 √5 = √70', () => {
    const r = randomizedSvd({ vectors: Float32Array.of(1, 2, 2, 4, 3, 6), dimensions: 2 }, { rank: 1 })
    close(r.singularValues, [Math.sqrt(70)], 10)
    close(r.vt, [1 / Math.sqrt(5), 2 / Math.sqrt(5)], 6)
    close(r.u, [1 / Math.sqrt(14), 2 / Math.sqrt(14), 3 / Math.sqrt(14)], 6)
    close(r.mean, [0, 0])
  })

  it('rank 2 asked of a rank-1 4 × 2 matrix: the second singular value is 0 and its vectors complete orthonormal bases', () => {
    const r = randomizedSvd({ vectors: Float32Array.of(1, 2, 2, 4, 3, 6, 0, 0), dimensions: 2 }, { rank: 2 })
    close(r.singularValues, [Math.sqrt(70), 0], 10)
    // the second right vector is the unit vector orthogonal to (1, 2), signed by its largest entry
    close(r.vt, [1 / Math.sqrt(5), 2 / Math.sqrt(5), 2 / Math.sqrt(5), -1 / Math.sqrt(5)], 6)
    const u = r.u
    let dot = 0
    let n0 = 0
    let n1 = 0
    for (let i = 0; i < 4; i++) {
      dot += u[i * 2]! * u[i * 2 + 1]!
      n0 += u[i * 2]! ** 2
      n1 += u[i * 2 + 1]! ** 2
    }
    expect(dot).toBeCloseTo(0, 6)
    expect(n0).toBeCloseTo(1, 6)
    expect(n1).toBeCloseTo(1, 6)
  })

  it('recovers a planted spectrum (10, 4, 1) exactly up to sign, with oversampling 0', () => {
    const rng = new Random(3)
    const n = 40
    const d = 6
    const sigma = [10, 4, 1]
    // orthonormal u (n × 3) and v (d × 3) from Gram-Schmidt on random vectors
    const basis = (m: number) => {
      const cols: number[][] = []
      for (let j = 0; j < 3; j++) {
        let v = Array.from({ length: m }, () => rng.normal())
        for (const c of cols) {
          const p = v.reduce((s, x, i) => s + x * c[i]!, 0)
          v = v.map((x, i) => x - p * c[i]!)
        }
        const norm = Math.hypot(...v)
        cols.push(v.map((x) => x / norm))
      }
      return cols
    }
    const U = basis(n)
    const V = basis(d)
    const a = new Float32Array(n * d)
    for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) a[i * d + c] = sigma.reduce((s, sg, j) => s + sg * U[j]![i]! * V[j]![c]!, 0)
    const r = randomizedSvd({ vectors: a, dimensions: d }, { rank: 3, oversampling: 0, powerIterations: 2, seed: 9 })
    close(r.singularValues, sigma, 4)
    for (let j = 0; j < 3; j++) {
      const dot = V[j]!.reduce((s, x, c) => s + x * r.vt[j * d + c]!, 0)
      expect(Math.abs(dot)).toBeCloseTo(1, 5)
    }
  })

  it('explains a rank above min(rows, dimensions)', () => {
    expect(() => randomizedSvd({ vectors: new Float32Array(6), dimensions: 2 }, { rank: 3 })).toThrow(/randomizedSvd: rank = 3 exceeds min\(rows, dimensions\) = min\(3, 2\); ask for at most 2/)
  })
})

describe('PCA, hand-computed', () => {
  // rows (1, 1) + t (0.6, 0.8) for t = -2..2: centred, a line along w = (0.6, 0.8) with Σ t² = 10
  const t = [-2, -1, 0, 1, 2]
  const line = { vectors: Float32Array.from(t.flatMap((s) => [1 + 0.6 * s, 1 + 0.8 * s])), dimensions: 2 }

  it('a line: one component along it with all the variance; the second orthogonal with none', () => {
    const pca = PCA.fit(line, { components: 2 })
    close(pca.mean, [1, 1], 6)
    close(pca.singularValues, [Math.sqrt(10), 0], 5)
    close(pca.explainedVariance, [10 / 4, 0], 5)
    close(pca.explainedVarianceRatio, [1, 0], 6)
    expect(pca.totalVariance).toBeCloseTo(2.5, 5)
    // signed so the largest-magnitude entry is positive: (0.6, 0.8) and (0.8, -0.6)
    close(pca.components, [0.6, 0.8, 0.8, -0.6], 6)
    close(pca.transform(line), t.flatMap((s) => [s, 0]), 5)
    close(pca.transform({ vectors: Float32Array.of(1 + 0.6 * 7, 1 + 0.8 * 7, 1.8, 0.4), dimensions: 2 }), [7, 0, 0, 1], 5)
  })

  it('rank 2 in three dimensions: σ² = 18 and 4 of a total 22', () => {
    const x = { vectors: Float32Array.of(3, 0, 0, -3, 0, 0, 0, 1, 1, 0, -1, -1), dimensions: 3 }
    const pca = PCA.fit(x, { components: 2 })
    close(pca.singularValues, [Math.sqrt(18), 2], 5)
    close(pca.explainedVarianceRatio, [18 / 22, 4 / 22], 6)
    close(pca.explainedVariance, [6, 4 / 3], 5)
    close(pca.components, [1, 0, 0, 0, Math.SQRT1_2, Math.SQRT1_2], 6)
    close(pca.transform({ vectors: Float32Array.of(1, 2, 0), dimensions: 3 }), [1, Math.SQRT2], 5)
    expect(pca.count).toBe(2)
  })

  it('one row: no variance, ratios 0, projections 0', () => {
    const pca = PCA.fit({ vectors: Float32Array.of(4, 5), dimensions: 2 }, { components: 1 })
    close(pca.explainedVarianceRatio, [0])
    close(pca.transform({ vectors: Float32Array.of(4, 5), dimensions: 2 }), [0])
  })

  it('explains bad input', () => {
    const pca = PCA.fit(line)
    expect(() => pca.transform({ vectors: new Float32Array(3), dimensions: 3 })).toThrow(/PCA.transform: rows have 3 dimensions; the PCA was fitted on 2/)
    expect(() => pca.transform({ vectors: Float32Array.of(0, Number.NaN), dimensions: 2 })).toThrow(/row 0 has a non-finite value \(NaN\) in dimension 1/)
    expect(() => PCA.fit(line, { components: 3 })).toThrow(/PCA.fit: components = 3 exceeds min\(rows, dimensions\) = min\(5, 2\)/)
    expect(() => PCA.fit(line, { oversampling: -1 })).toThrow(/option "oversampling" must be an integer >= 0/)
  })
})

describe('PCA laws (fast-check)', () => {
  const input = fc
    .record({
      values: fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 2, maxLength: 90 }),
      d: fc.integer({ min: 1, max: 6 }),
      want: fc.integer({ min: 1, max: 6 }),
      seed: fc.integer({ min: 0, max: 100 }),
      power: fc.integer({ min: 0, max: 3 }),
      oversampling: fc.integer({ min: 0, max: 4 }),
    })
    .filter(({ values, d }) => values.length >= d)

  it('components are orthonormal; ratios are descending and sum to at most 1 (to 1 when every direction is kept)', () => {
    fc.assert(
      fc.property(input, ({ values, d, want, seed, power, oversampling }) => {
        const e = fromInts(values, d)
        const n = e.vectors.length / d
        const k = Math.min(want, n, d)
        const pca = PCA.fit(e, { components: k, seed, powerIterations: power, oversampling })
        for (let a = 0; a < k; a++) {
          for (let b = a; b < k; b++) {
            let dot = 0
            for (let c = 0; c < d; c++) dot += pca.components[a * d + c]! * pca.components[b * d + c]!
            expect(dot).toBeCloseTo(a === b ? 1 : 0, 4)
          }
        }
        const r = pca.explainedVarianceRatio
        let sum = 0
        for (let j = 0; j < k; j++) {
          sum += r[j]!
          if (j > 0) expect(pca.singularValues[j]!).toBeLessThanOrEqual(pca.singularValues[j - 1]! * (1 + 1e-9) + 1e-9)
        }
        expect(sum).toBeLessThanOrEqual(1 + 1e-6)
        if (k === d && pca.totalVariance > 0) expect(sum).toBeCloseTo(1, 5)
      }),
      { numRuns: 200 },
    )
  })

  it('keeping every direction, the projections preserve all distances from the mean', () => {
    fc.assert(
      fc.property(input, ({ values, d, seed }) => {
        const e = fromInts(values, d)
        const n = e.vectors.length / d
        if (n < d) return
        const pca = PCA.fit(e, { components: d, seed })
        const z = pca.transform(e)
        for (let i = 0; i < n; i++) {
          let a = 0
          let b = 0
          for (let c = 0; c < d; c++) {
            a += (e.vectors[i * d + c]! - pca.mean[c]!) ** 2
            b += z[i * d + c]! ** 2
          }
          expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-3 * (1 + a))
        }
      }),
      { numRuns: 100 },
    )
  })
})
