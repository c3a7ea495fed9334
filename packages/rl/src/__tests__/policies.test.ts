import { describe, expect, it } from 'vitest'
import { InteractionsBuilder, isRecForgeError, Random } from '@recforge/core'
import { buildLoggedDataset, createPolicy, replayEvaluate, rlPolicies, ThompsonSampling } from '../index'

describe('createPolicy and rlPolicies', () => {
  const rng = new Random(1)
  const b = new InteractionsBuilder({ timestamps: true })
  for (let u = 0; u < 60; u++) for (const i of rng.permutation(40).subarray(0, 15)) b.push(`u${u}`, `i${i}`, rng.float() < i / 40 ? 5 : 2, rng.int(1e6))
  const events = buildLoggedDataset(b.build(), { seed: 3 })

  it('builds every listed policy, which then runs through replay', () => {
    expect(rlPolicies.map((p) => p.name)).toEqual(['random', 'epsilon-greedy', 'ucb1', 'thompson', 'linucb', 'lints'])
    for (const def of rlPolicies) {
      const policy = createPolicy(def.name, {}, { events })
      expect(policy.name).toBe(def.name)
      const r = replayEvaluate(policy, events)
      expect(r.eventsTotal).toBe(events.length)
      expect(r.eventsUsed).toBeGreaterThan(0)
      expect(r.ctr).toBeGreaterThanOrEqual(0)
      expect(r.ctr).toBeLessThanOrEqual(1)
    }
  })

  it('coerces --set strings and checks them', () => {
    const p = createPolicy('epsilon-greedy', { epsilon: '0.3' })
    expect(p.name).toBe('epsilon-greedy')
    expect(() => createPolicy('epsilon-greedy', { epsilon: '2' })).toThrowError(/"epsilon" must be a finite number in \[0, 1\]/)
    expect(() => createPolicy('ucb1', { nope: 1 })).toThrowError(/unknown parameter "nope"/)
    // the command line and the constructors share one schema: what one rejects, the other does
    expect(() => createPolicy('thompson', { priorAlpha: '0' })).toThrowError(/priorAlpha/)
    expect(() => new ThompsonSampling({ priorAlpha: 0 })).toThrowError(/priorAlpha/)
    expect(() => createPolicy('linucb', { lambda: 0 }, { itemVectors: new Float32Array(8), dimensions: 2 })).toThrowError(/lambda/)
  })

  it('names the missing piece for unknown policies and linear policies without vectors', () => {
    try {
      createPolicy('bogus')
    } catch (e) {
      expect(isRecForgeError(e, 'UNKNOWN_ID')).toBe(true)
      expect(String(e)).toMatch(/linucb/)
    }
    expect(() => createPolicy('linucb')).toThrowError(/item vectors/)
    const p = createPolicy('lints', { v: 0.2 }, { itemVectors: new Float32Array(8), dimensions: 2 })
    expect(p.select({ candidates: Int32Array.of(0, 3) })).toBeGreaterThanOrEqual(0)
  })
})
