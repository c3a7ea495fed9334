import { describe, expect, it } from 'vitest'
import { isRecForgeError, Random } from '@recforge/core'
import { LinearThompson, LinUCB, RandomPolicy, type BanditPolicy } from '../index'

const THETA = [0.6, -0.4, 0.3, 0.8, -0.2]
const D = THETA.length

/** Runs `rounds` rounds with 20 random candidates (features per round); reward = θ·x + N(0, 0.1²). Returns regret per round in the last quarter. */
function run(policy: BanditPolicy, rounds: number, seed: number): number {
  const rng = new Random(seed)
  const K = 20
  const candidates = Int32Array.from({ length: K }, (_, j) => j)
  let lateRegret = 0
  for (let t = 0; t < rounds; t++) {
    const features = new Float32Array(K * D)
    for (let j = 0; j < features.length; j++) features[j] = rng.normal() / Math.sqrt(D)
    const means = Array.from({ length: K }, (_, j) => THETA.reduce((s, w, f) => s + w * features[j * D + f]!, 0))
    const ctx = { candidates, features }
    const a = policy.select(ctx)
    if (t >= (rounds * 3) / 4) lateRegret += Math.max(...means) - means[a]!
    policy.update(ctx, a, means[a]! + 0.1 * rng.normal())
  }
  return lateRegret / (rounds / 4)
}

describe('linear bandits recover a planted linear reward', () => {
  for (const make of [() => new LinUCB({ alpha: 0.5 }, { featureDimensions: D }), () => new LinearThompson({ v: 0.1 }, { featureDimensions: D })]) {
    it(`${make().name}: θ̂ close to θ, late regret far below random`, () => {
      const policy = make() as LinUCB | LinearThompson
      const regret = run(policy, 2000, 11)
      const theta = policy.theta
      let err = 0
      for (let f = 0; f < D; f++) err = Math.max(err, Math.abs(theta[f]! - THETA[f]!))
      expect(err).toBeLessThan(0.1)
      const randomRegret = run(new RandomPolicy({ seed: 2 }), 2000, 11)
      expect(regret).toBeLessThan(randomRegret * 0.1)
    })
  }

  it('builds [item, user ⊙ item, 1] features from vectors and learns a user-specific taste', () => {
    // two users with opposite tastes over 2-d item vectors; reward = u·i
    const items = new Float32Array([1, 0, 0, 1, 0.7, 0.7, -1, 0])
    const users = new Float32Array([1, 0, 0, 1])
    const policy = new LinUCB({ alpha: 0.3 }, { itemVectors: items, userVectors: users, dimensions: 2 })
    const rng = new Random(1)
    const candidates = Int32Array.of(0, 1, 2, 3)
    for (let t = 0; t < 400; t++) {
      const user = rng.int(2)
      const a = policy.select({ user, candidates })
      const r = users[user * 2]! * items[a * 2]! + users[user * 2 + 1]! * items[a * 2 + 1]!
      policy.update({ user, candidates }, a, r + 0.05 * rng.normal())
    }
    expect(policy.select({ user: 0, candidates: Int32Array.of(0, 1, 3) })).toBe(0)
    expect(policy.select({ user: 1, candidates: Int32Array.of(0, 1, 3) })).toBe(1)
    expect(policy.theta.length).toBe(5)
  })

  it('rejects inconsistent vectors and features', () => {
    const code = (fn: () => unknown) => {
      try {
        fn()
      } catch (e) {
        return isRecForgeError(e) ? e.code : 'other'
      }
      return 'none'
    }
    expect(code(() => new LinUCB({}, { itemVectors: new Float32Array(5), dimensions: 2 }))).toBe('DIMENSION_MISMATCH')
    expect(code(() => new LinUCB({}, {}))).toBe('INVALID_ARGUMENT')
    const p = new LinUCB({}, { featureDimensions: 3 })
    expect(code(() => p.select({ candidates: Int32Array.of(1, 2), features: new Float32Array(5) }))).toBe('DIMENSION_MISMATCH')
    expect(code(() => p.select({ candidates: Int32Array.of(1, 2) }))).toBe('INVALID_ARGUMENT')
    expect(code(() => p.update({ candidates: Int32Array.of(1, 2), features: new Float32Array(6) }, 7, 1))).toBe('UNKNOWN_ID')
    const q = new LinearThompson({}, { itemVectors: new Float32Array(4), dimensions: 2 })
    expect(code(() => q.select({ candidates: Int32Array.of(0, 2) }))).toBe('UNKNOWN_ID')
  })
})
