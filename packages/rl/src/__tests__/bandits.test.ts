import { describe, expect, it } from 'vitest'
import { isRecForgeError, Random } from '@recforge/core'
import { EpsilonGreedy, RandomPolicy, ThompsonSampling, UCB1, type BanditPolicy } from '../index'
import { beta } from '../internal/sampling'

const MEANS = [0.7, 0.6, 0.5, 0.4, 0.3]
const candidates = Int32Array.from(MEANS.keys())

/** Cumulative pseudo-regret Σ (μ* − μ_chosen) at the checkpoints, on Bernoulli arms. */
function regretCurve(policy: BanditPolicy, horizon: number, checkpoints: number[], seed: number): number[] {
  const rng = new Random(seed)
  const best = Math.max(...MEANS)
  const out: number[] = []
  let regret = 0
  for (let t = 1; t <= horizon; t++) {
    const a = policy.select({ candidates })
    regret += best - MEANS[a]!
    policy.update({ candidates }, a, rng.float() < MEANS[a]! ? 1 : 0)
    if (checkpoints.includes(t)) out.push(regret)
  }
  return out
}

function meanCurve(make: (seed: number) => BanditPolicy, horizon: number, checkpoints: number[], runs = 4): number[] {
  const sum = checkpoints.map(() => 0)
  for (let r = 0; r < runs; r++) regretCurve(make(r + 1), horizon, checkpoints, 100 + r).forEach((v, j) => (sum[j]! += v / runs))
  return sum
}

describe('multi-armed bandits on Bernoulli arms', () => {
  const T = 40_000
  const marks = [5_000, 10_000, 20_000, 40_000]
  // regret added while the horizon doubles from 20k to 40k, over that added from 5k to 10k:
  // about 1 for logarithmic regret (each doubling adds the same), 4 for linear regret
  const growth = (r: number[]) => (r[3]! - r[2]!) / (r[1]! - r[0]!)
  const gaps = MEANS.slice(1).map((m) => MEANS[0]! - m)
  // Auer et al. (2002), Theorem 1: E[R_T] <= Σ 8 ln T / Δ + (1 + π²/3) Σ Δ
  const auerBound = gaps.reduce((s, g) => s + (8 * Math.log(T)) / g, 0) + (1 + Math.PI ** 2 / 3) * gaps.reduce((s, g) => s + g, 0)

  it('UCB1 regret stays under the Auer et al. bound and grows logarithmically', () => {
    const r = meanCurve((s) => new UCB1({ seed: s }), T, marks)
    expect(r[3]!).toBeLessThan(auerBound)
    expect(growth(r)).toBeLessThan(1.6)
    expect(r[3]!).toBeGreaterThan(0)
  })

  it('Thompson sampling stays near the Lai-Robbins logarithmic rate and beats UCB1 here', () => {
    const t = meanCurve((s) => new ThompsonSampling({ seed: s }), T, marks)
    const u = meanCurve((s) => new UCB1({ seed: s }), T, marks)
    const kl = (p: number, q: number) => p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q))
    // asymptotically optimal policies pay Σ Δ_i / KL(μ_i, μ*) · ln T (Lai and Robbins 1985)
    const laiRobbins = MEANS.slice(1).reduce((s, m) => s + (MEANS[0]! - m) / kl(m, MEANS[0]!), 0) * Math.log(T)
    expect(t[3]!).toBeLessThan(1.5 * laiRobbins)
    // regret per round over the last 20k rounds: a linear-regret policy pays ~0.025 here
    expect((t[3]! - t[2]!) / 20_000).toBeLessThan(0.002)
    expect(t[3]!).toBeLessThan(u[3]!)
  })

  it('epsilon-greedy with fixed epsilon pays linear regret (the contrast the tests above rely on)', () => {
    const e = meanCurve((s) => new EpsilonGreedy({ epsilon: 0.1, seed: s }), T, marks)
    const perRound = 0.1 * (gaps.reduce((s, g) => s + g, 0) / MEANS.length)
    expect(growth(e)).toBeGreaterThan(3)
    expect(e[3]! / T).toBeGreaterThan(perRound * 0.7)
    expect(e[3]! / T).toBeLessThan(perRound * 2)
  })

  it('random choice has regret equal to the mean gap per round', () => {
    const r = meanCurve((s) => new RandomPolicy({ seed: s }), T, marks, 2)
    const meanGap = gaps.reduce((s, g) => s + g, 0) / MEANS.length
    expect(Math.abs(r[3]! / T - meanGap)).toBeLessThan(0.005)
  })

  it('is reproducible with a seed', () => {
    const a = regretCurve(new ThompsonSampling({ seed: 9 }), 2000, [2000], 5)
    const b = regretCurve(new ThompsonSampling({ seed: 9 }), 2000, [2000], 5)
    expect(a).toEqual(b)
  })
})

describe('bandit details', () => {
  it('UCB1 tries every candidate once before repeating', () => {
    const p = new UCB1()
    const seen = new Set<number>()
    for (let t = 0; t < 5; t++) {
      const a = p.select({ candidates })
      seen.add(a)
      p.update({ candidates }, a, 1)
    }
    expect(seen.size).toBe(5)
  })

  it('epsilon-greedy probabilities sum to one and favour the best mean', () => {
    const p = new EpsilonGreedy({ epsilon: 0.2 })
    p.update({ candidates }, 3, 1)
    p.update({ candidates }, 1, 0)
    const probs = p.probabilities({ candidates })
    expect(probs.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12)
    expect(probs[3]).toBeCloseTo(0.8 + 0.2 / 5, 12)
    expect(probs[0]).toBeCloseTo(0.04, 12)
  })

  it('learns arms it has never seen (item indices grow on demand)', () => {
    const p = new ThompsonSampling({ seed: 3 })
    const big = Int32Array.of(5, 100_000)
    for (let t = 0; t < 200; t++) {
      const a = p.select({ candidates: big })
      p.update({ candidates: big }, a, a === 100_000 ? 1 : 0)
    }
    let wins = 0
    for (let t = 0; t < 100; t++) if (p.select({ candidates: big }) === 100_000) wins++
    expect(wins).toBeGreaterThan(90)
  })

  it('samples Beta(2, 5) with the right mean and variance', () => {
    const rng = new Random(4)
    let s = 0
    let s2 = 0
    const n = 40_000
    for (let i = 0; i < n; i++) {
      const x = beta(rng, 2, 5)
      s += x
      s2 += x * x
    }
    const mean = s / n
    expect(mean).toBeCloseTo(2 / 7, 2)
    expect(s2 / n - mean * mean).toBeCloseTo((2 * 5) / (49 * 8), 3)
    // shape < 1 goes through the boost
    let t = 0
    for (let i = 0; i < n; i++) t += beta(rng, 0.5, 0.5)
    expect(t / n).toBeCloseTo(0.5, 2)
  })

  it('rejects empty candidates, bad rewards and bad options with RecForgeError', () => {
    const codes = (fn: () => unknown) => {
      try {
        fn()
      } catch (e) {
        return isRecForgeError(e) ? e.code : 'other'
      }
      return 'none'
    }
    expect(codes(() => new UCB1().select({ candidates: new Int32Array(0) }))).toBe('INVALID_ARGUMENT')
    expect(codes(() => new UCB1().update({ candidates }, 0, 2))).toBe('INVALID_ARGUMENT')
    expect(codes(() => new ThompsonSampling().update({ candidates }, 0, Number.NaN))).toBe('INVALID_ARGUMENT')
    expect(codes(() => new EpsilonGreedy({ epsilon: 1.5 }))).toBe('INVALID_ARGUMENT')
    expect(codes(() => new ThompsonSampling({ priorAlpha: 0 }))).toBe('INVALID_ARGUMENT')
    expect(codes(() => new EpsilonGreedy().update({ candidates }, -1, 1))).toBe('UNKNOWN_ID')
  })
})
