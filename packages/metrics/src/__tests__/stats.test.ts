import { isRecForgeError } from '@recforge/core'
import { describe, expect, it } from 'vitest'
import {
  confidenceInterval,
  logGamma,
  mean,
  normalCdf,
  normalQuantile,
  pairedTTest,
  regularizedIncompleteBeta,
  sampleStd,
  studentTCdf,
  studentTQuantile,
  studentTTwoSidedP,
  wilcoxonSignedRank,
} from '../stats'

describe('special functions', () => {
  it('logGamma matches factorials and known values', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12)
    expect(logGamma(1)).toBeCloseTo(0, 12)
    // Γ(1/2) = √π
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12)
    // reference values (scipy.special.gammaln)
    expect(logGamma(0.1)).toBeCloseTo(2.252712651734206, 11)
    expect(logGamma(100.5)).toBeCloseTo(361.43554046777757, 9)
  })

  it('regularised incomplete beta: closed forms and reference values', () => {
    // I_x(1, 1) = x; I_x(2, 2) = 3x² - 2x³
    expect(regularizedIncompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14)
    expect(regularizedIncompleteBeta(0.5, 2, 2)).toBeCloseTo(0.5, 14)
    expect(regularizedIncompleteBeta(0.2, 2, 2)).toBeCloseTo(3 * 0.04 - 2 * 0.008, 14)
    // I_0.4(2, 3) = Σ_{j=2..4} C(4, j) 0.4^j 0.6^(4-j) = 0.3456 + 0.1536 + 0.0256 = 0.5248
    expect(regularizedIncompleteBeta(0.4, 2, 3)).toBeCloseTo(0.5248, 13)
    // I_0.1(1/2, 1/2) = (2/π) asin(√0.1)
    expect(regularizedIncompleteBeta(0.1, 0.5, 0.5)).toBeCloseTo((2 / Math.PI) * Math.asin(Math.sqrt(0.1)), 12)
    // scipy.special.betainc(50, 60, 0.45)
    expect(regularizedIncompleteBeta(0.45, 50, 60)).toBeCloseTo(0.4642352914306031, 11)
    expect(() => regularizedIncompleteBeta(1.5, 1, 1)).toThrow(/x must be in \[0, 1\]/)
  })

  it("Student's t: table critical values", () => {
    // two-sided 5% critical values from printed t tables
    expect(studentTQuantile(0.975, 9)).toBeCloseTo(2.262, 3)
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706, 3)
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042, 3)
    expect(studentTQuantile(0.995, 5)).toBeCloseTo(4.032, 3)
    // large df tends to the normal 1.96
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.96, 2)
    expect(studentTQuantile(0.025, 9)).toBeCloseTo(-2.262, 3)
    // reference values to more digits (scipy.stats.t.ppf)
    expect(studentTQuantile(0.975, 9)).toBeCloseTo(2.262157162798205, 9)
    expect(studentTQuantile(0.975, 1000)).toBeCloseTo(1.9623390808264083, 9)
  })

  it("Student's t CDF: closed forms and reference values", () => {
    // df = 1 is the Cauchy distribution: 1/2 + atan(t)/π
    for (const t of [-3, -0.5, 0, 0.7, 4]) expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 13)
    // df = 2: 1/2 + t / (2 √(2 + t²))
    for (const t of [-2, 0.3, 5]) expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 13)
    // scipy.stats.t.cdf / sf
    expect(studentTCdf(-1.5, 3)).toBeCloseTo(0.11529193262241147, 12)
    expect(studentTCdf(0.5, 2.5)).toBeCloseTo(0.6711510400651426, 12)
    expect(studentTCdf(10, 4)).toBeCloseTo(0.999718998188642, 12)
    expect(studentTTwoSidedP(40, 7) / 2).toBeCloseTo(7.951089992425182e-10, 18)
    expect(studentTTwoSidedP(2.262157162798205, 9)).toBeCloseTo(0.05, 10)
    expect(studentTCdf(Infinity, 3)).toBe(1)
  })

  it('normal CDF and quantile', () => {
    expect(normalCdf(0)).toBe(0.5)
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 13)
    expect(normalCdf(0.3)).toBeCloseTo(0.6179114221889526, 13)
    // tails keep their relative accuracy (scipy.stats.norm.cdf)
    expect(normalCdf(-5) / 2.866515718791933e-7).toBeCloseTo(1, 10)
    expect(normalCdf(-10) / 7.61985302416047e-24).toBeCloseTo(1, 9)
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 9)
    expect(() => normalQuantile(1)).toThrow(/p must be in \(0, 1\)/)
  })
})

describe('tests and intervals', () => {
  it('mean and sample standard deviation', () => {
    expect(mean([1, 2, 3])).toBe(2)
    // Σ(x - 5)² = 32 over n - 1 = 7
    expect(sampleStd(Float64Array.of(2, 4, 4, 4, 5, 5, 7, 9))).toBeCloseTo(Math.sqrt(32 / 7), 14)
  })

  it('confidence interval of 1..10', () => {
    // mean 5.5, s = √(82.5 / 9) = 3.0277, se = s / √10 = 0.95743, t(0.975, 9) = 2.2622 -> 5.5 ± 2.1659
    const [lo, hi] = confidenceInterval(Float64Array.from({ length: 10 }, (_, i) => i + 1))
    expect(lo).toBeCloseTo(3.334149410331831, 9)
    expect(hi).toBeCloseTo(7.665850589668169, 9)
    // a 90% interval is narrower
    const [lo90, hi90] = confidenceInterval(Float64Array.from({ length: 10 }, (_, i) => i + 1), 0.9)
    expect(hi90 - lo90).toBeLessThan(hi - lo)
    expect(() => confidenceInterval(Float64Array.of(1))).toThrow(/at least 2 values/)
    expect(() => confidenceInterval(Float64Array.of(1, Number.NaN))).toThrow(/must be finite/)
  })

  it('paired t-test by hand', () => {
    // d = [1, 2, 3]: mean 2, s = 1, se = 1/√3, t = 2√3 = 3.4641, df 2
    // df = 2 has a closed-form CDF, so p = 2 (1 - F(t)) = 1 - t / √(2 + t²) = 1 - 3.4641 / √14
    const r = pairedTTest(Float64Array.of(1, 2, 3))
    expect(r.tStat).toBeCloseTo(2 * Math.sqrt(3), 12)
    expect(r.df).toBe(2)
    expect(r.pValue).toBeCloseTo(1 - (2 * Math.sqrt(3)) / Math.sqrt(14), 12)
    // CI = 2 ± t(0.975, 2) / √3, t(0.975, 2) = 4.302653 (table 4.303)
    expect(r.ci[1] - 2).toBeCloseTo(4.302652729911275 / Math.sqrt(3), 8)
  })

  it('paired t-test on constant differences', () => {
    expect(pairedTTest(Float64Array.of(0, 0, 0))).toMatchObject({ tStat: 0, pValue: 1 })
    expect(pairedTTest(Float64Array.of(0.5, 0.5))).toMatchObject({ tStat: Infinity, pValue: 0 })
  })

  it('wilcoxon signed-rank by hand, with ties and a zero', () => {
    // d = [1, 2, 2, 3, -1, 4, 4, 4, -2, 5, 0, 6]; the 0 is dropped, n = 11
    // |d| ranks: 1,1 -> 1.5; 2,2,2 -> 4; 3 -> 6; 4,4,4 -> 8; 5 -> 10; 6 -> 11
    // W- = 1.5 + 4 = 5.5, W+ = 66 - 5.5 = 60.5
    // var = 11·12·23/24 - [(2³-2) + (3³-3) + (3³-3)]/48 = 126.5 - 1.125 = 125.375
    // z = (60.5 - 33) / √125.375 = 2.45597, p = 2 Φ(-z)
    const r = wilcoxonSignedRank(Float64Array.of(1, 2, 2, 3, -1, 4, 4, 4, -2, 5, 0, 6))
    expect(r.n).toBe(11)
    expect(r.wPlus).toBe(60.5)
    expect(r.wMinus).toBe(5.5)
    expect(r.z).toBeCloseTo(27.5 / Math.sqrt(125.375), 12)
    // scipy.stats.wilcoxon(d, method='approx', correction=False)
    expect(r.pValue).toBeCloseTo(0.014049568151099704, 10)
  })

  it('wilcoxon with every difference zero', () => {
    expect(wilcoxonSignedRank(Float64Array.of(0, 0))).toMatchObject({ n: 0, pValue: 1 })
    try {
      wilcoxonSignedRank(new Float64Array(0))
      expect.unreachable()
    } catch (e) {
      expect(isRecForgeError(e, 'EMPTY_INPUT')).toBe(true)
    }
  })
})
