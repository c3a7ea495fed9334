import { describe, expect, it } from 'vitest'
import { InteractionsBuilder, isRecForgeError, Random, rangeVocabulary } from '@recforge/core'
import {
  buildLoggedDataset,
  doublyRobustEstimate,
  EpsilonGreedy,
  ipsEstimate,
  onlineRun,
  RandomPolicy,
  replayEvaluate,
  trueValue,
  UCB1,
  type BanditContext,
  type BanditPolicy,
  type LoggedEvents,
} from '../index'

const NI = 30
/** Click probability of each item: known, so a policy's value is known exactly. */
const P = Float64Array.from({ length: NI }, (_, i) => 0.05 + (0.9 * ((i * 7) % NI)) / NI)

/** A synthetic log: 6 candidates per event drawn from 30 items, shown uniformly, Bernoulli rewards. */
function syntheticLog(n: number, seed: number): LoggedEvents {
  const rng = new Random(seed)
  const K = 6
  const cands = new Int32Array(n * K)
  const shown = new Int32Array(n)
  const reward = new Float32Array(n)
  const candRewards = new Float32Array(n * K)
  for (let e = 0; e < n; e++) {
    const perm = rng.permutation(NI)
    for (let j = 0; j < K; j++) {
      cands[e * K + j] = perm[j]!
      candRewards[e * K + j] = rng.float() < P[perm[j]!]! ? 1 : 0
    }
    const s = rng.int(K)
    shown[e] = cands[e * K + s]!
    reward[e] = candRewards[e * K + s]!
  }
  return {
    users: rangeVocabulary(1),
    items: rangeVocabulary(NI),
    length: n,
    user: new Int32Array(n),
    timestamps: Float64Array.from({ length: n }, (_, e) => e),
    candIndptr: Int32Array.from({ length: n + 1 }, (_, e) => e * K),
    candidates: cands,
    shown,
    propensity: new Float64Array(n).fill(1 / K),
    reward,
    candidateRewards: candRewards,
  }
}

/** A fixed deterministic target policy: the candidate with the highest (i * 7) mod 30, i.e. the best click rate. */
const greedyOracle: BanditPolicy = {
  name: 'oracle',
  select: (c: BanditContext) => c.candidates.reduce((best, i) => (P[i]! > P[best]! ? i : best), c.candidates[0]!),
  update: () => {},
}
/** Its exact value: E over candidate sets of max P (computed by Monte Carlo on many sets, seeded). */
function oracleValue(): number {
  const rng = new Random(999)
  let s = 0
  const n = 200_000
  for (let t = 0; t < n; t++) {
    const perm = rng.permutation(NI)
    let m = 0
    for (let j = 0; j < 6; j++) m = Math.max(m, P[perm[j]!]!)
    s += m
  }
  return s / n
}

describe('off-policy estimators on a synthetic log with known policy value', () => {
  const truth = oracleValue()

  it('IPS, DR and replay are unbiased: their mean over 40 independent logs matches the true value', () => {
    const ips: number[] = []
    const dr: number[] = []
    const rep: number[] = []
    for (let s = 0; s < 40; s++) {
      const log = syntheticLog(3000, s + 1)
      ips.push(ipsEstimate(greedyOracle, log).value)
      // a deliberately wrong reward model: DR stays unbiased because the propensities are right
      dr.push(doublyRobustEstimate(greedyOracle, log, { rewardModel: () => 0.3 }).value)
      rep.push(replayEvaluate(greedyOracle, log).ctr)
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    const se = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1) / xs.length)
    for (const xs of [ips, dr, rep]) expect(Math.abs(mean(xs) - truth)).toBeLessThan(3 * se(xs) + 0.002)
  })

  it('one log: estimates fall within three standard errors; a good reward model shrinks DR variance', () => {
    const log = syntheticLog(5000, 77)
    const ips = ipsEstimate(greedyOracle, log)
    const drBad = doublyRobustEstimate(greedyOracle, log, { rewardModel: () => 0.3 })
    const drGood = doublyRobustEstimate(greedyOracle, log, { rewardModel: (_u, i) => P[i]! })
    for (const est of [ips, drBad, drGood]) expect(Math.abs(est.value - truth)).toBeLessThan(3 * est.stdError + 1e-9)
    expect(drGood.stdError).toBeLessThan(ips.stdError / 2)
    // the full-information value of the log agrees too
    expect(Math.abs(trueValue(greedyOracle, log) - truth)).toBeLessThan(0.01)
  })

  it('the uniform policy: IPS equals the mean logged reward exactly, trueValue the mean candidate reward', () => {
    const log = syntheticLog(500, 5)
    const mean = log.reward.reduce((a, b) => a + b, 0) / log.length
    expect(ipsEstimate(new RandomPolicy(), log).value).toBeCloseTo(mean, 12)
    const all = log.candidateRewards!.reduce((a, b) => a + b, 0) / log.candidateRewards!.length
    expect(trueValue(new RandomPolicy(), log)).toBeCloseTo(all, 12)
  })

  it('clipping caps importance weights', () => {
    const log = syntheticLog(500, 6)
    expect(ipsEstimate(greedyOracle, log, { clip: 1 }).value).toBeLessThan(ipsEstimate(greedyOracle, log).value)
  })

  it('replay uses about 1/K of the events and a learning policy improves on random', () => {
    const log = syntheticLog(20_000, 8)
    const r = replayEvaluate(new UCB1({ seed: 1 }), log, { curvePoints: 10 })
    expect(r.eventsTotal).toBe(20_000)
    expect(r.eventsUsed / r.eventsTotal).toBeGreaterThan(0.14)
    expect(r.eventsUsed / r.eventsTotal).toBeLessThan(0.19)
    expect(r.curve!.events.length).toBe(10)
    const rand = replayEvaluate(new RandomPolicy({ seed: 1 }), log)
    expect(r.ctr).toBeGreaterThan(rand.ctr + 0.1)
    const online = onlineRun(new UCB1({ seed: 1 }), log, { curvePoints: 5 })
    const onlineRand = onlineRun(new RandomPolicy({ seed: 1 }), log)
    expect(online.regret).toBeLessThan(onlineRand.regret)
    expect(online.curve.regret.length).toBe(5)
    expect(online.curve.regret[4]).toBe(online.regret)
  })

  it('rejects empty logs and logs without full information where needed', () => {
    const log = syntheticLog(10, 1)
    const empty = { ...log, length: 0, candIndptr: Int32Array.of(0) }
    const code = (fn: () => unknown) => {
      try {
        fn()
      } catch (e) {
        return isRecForgeError(e) ? e.code : 'other'
      }
      return 'none'
    }
    expect(code(() => replayEvaluate(new UCB1(), empty))).toBe('EMPTY_INPUT')
    const { candidateRewards: _, ...partial } = log
    expect(code(() => trueValue(new UCB1(), partial))).toBe('INVALID_ARGUMENT')
    expect(code(() => ipsEstimate(new UCB1(), { ...log, propensity: new Float64Array(10) }))).toBe('INVALID_ARGUMENT')
  })
})

describe('buildLoggedDataset', () => {
  // user a rates 4 items at times 1..4; user b rates 3 items at times 10..12; user c one item
  const b = new InteractionsBuilder({ timestamps: true })
  b.push('a', 'i1', 5, 1)
  b.push('b', 'i2', 2, 10)
  b.push('a', 'i2', 3, 2)
  b.push('a', 'i3', 4, 3)
  b.push('b', 'i4', 4.5, 11)
  b.push('a', 'i4', 1, 4)
  b.push('c', 'i1', 5, 0)
  b.push('b', 'i1', 4, 12)
  const data = b.build()

  it('makes time-ordered events whose candidates are the current item and the user’s later items', () => {
    const ev = buildLoggedDataset(data, { seed: 1, candidates: 3, warmupFraction: 0 })
    // events: c@0 dropped (nothing later); a@1, a@2, a@3 (a@4 dropped), b@10, b@11 (b@12 dropped)
    expect(ev.length).toBe(5)
    expect(Array.from(ev.timestamps)).toEqual([1, 2, 3, 10, 11])
    const id = (i: number) => data.items.id(i)
    for (let e = 0; e < ev.length; e++) {
      const c = Array.from(ev.candidates.subarray(ev.candIndptr[e]!, ev.candIndptr[e + 1]!)).map(id)
      expect(c.length).toBeLessThanOrEqual(3)
      expect(c).toContain(id(ev.shown[e]!))
      expect(ev.propensity[e]).toBeCloseTo(1 / c.length, 12)
    }
    // a@1: current i1 plus 2 of {i2, i3, i4}
    const first = Array.from(ev.candidates.subarray(ev.candIndptr[0]!, ev.candIndptr[1]!)).map(id)
    expect(first[0]).toBe('i1')
    expect(first.length).toBe(3)
    // a@3: i3 and i4 only
    expect(Array.from(ev.candidates.subarray(ev.candIndptr[2]!, ev.candIndptr[3]!)).map(id)).toEqual(['i3', 'i4'])
    // rewards: rating >= 4
    expect(Array.from(ev.candidateRewards!.subarray(ev.candIndptr[2]!, ev.candIndptr[3]!))).toEqual([1, 0])
    for (let e = 0; e < ev.length; e++) {
      const j = Array.from(ev.candidates.subarray(ev.candIndptr[e]!, ev.candIndptr[e + 1]!)).indexOf(ev.shown[e]!)
      expect(ev.reward[e]).toBe(ev.candidateRewards![ev.candIndptr[e]! + j])
    }
  })

  it('keeps the earliest interactions as warm-up, out of the events, and is seeded', () => {
    const ev = buildLoggedDataset(data, { seed: 1, candidates: 3, warmupFraction: 0.25 })
    expect(ev.warmup!.indptr[ev.warmup!.users.size]).toBe(2) // c@0 and a@1
    expect(Math.min(...ev.timestamps)).toBeGreaterThanOrEqual(2)
    const again = buildLoggedDataset(data, { seed: 1, candidates: 3, warmupFraction: 0.25 })
    expect(Array.from(again.shown)).toEqual(Array.from(ev.shown))
    expect(Array.from(again.candidates)).toEqual(Array.from(ev.candidates))
    expect(buildLoggedDataset(data, { seed: 1, maxEvents: 2, warmupFraction: 0 }).length).toBe(2)
  })

  it('rejects bad options and data with no events', () => {
    expect(() => buildLoggedDataset(data, { seed: 1, candidates: 1 })).toThrowError(/candidates/)
    expect(() => buildLoggedDataset(data, { seed: 1, warmupFraction: 1 })).toThrowError(/no user/)
  })

  it('a learning policy beats the logging policy on replay over a planted log', () => {
    // 200 users, 50 items, item i liked by a user with probability i / 50
    const rng = new Random(3)
    const bb = new InteractionsBuilder({ timestamps: true })
    for (let u = 0; u < 200; u++) {
      for (const i of rng.permutation(50).subarray(0, 20)) bb.push(`u${u}`, `i${i}`, rng.float() < i / 50 ? 5 : 2, rng.int(1e6))
    }
    const ev = buildLoggedDataset(bb.build(), { seed: 2, warmupFraction: 0 })
    const learner = replayEvaluate(new EpsilonGreedy({ epsilon: 0.05, seed: 1 }), ev)
    const logger = replayEvaluate(new RandomPolicy({ seed: 1 }), ev)
    expect(learner.ctr).toBeGreaterThan(logger.ctr + 0.1)
  })
})
