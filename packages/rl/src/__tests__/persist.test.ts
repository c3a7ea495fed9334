import { describe, expect, it } from 'vitest'
import { decodeArtifacts, encodeArtifacts, Random } from '@recforge/core'
import { createPolicy, restorePolicyState, rlPolicies, savePolicyState, type BanditPolicy } from '../index'

// 40 items with 8-d vectors; item i pays off with probability (i % 10) / 10
const items = 40
const d = 8
const itemVectors = new Random(3).fillNormal(new Float32Array(items * d)) as Float32Array
const userVectors = new Random(4).fillNormal(new Float32Array(5 * d)) as Float32Array
const env = { itemVectors, userVectors, dimensions: d }

function play(policy: BanditPolicy, steps: number, rng: Random): number[] {
  const chosen: number[] = []
  for (let s = 0; s < steps; s++) {
    const candidates = Int32Array.from(rng.permutation(items).subarray(0, 10))
    const context = { candidates, user: s % 5 }
    const item = policy.select(context)
    policy.update(context, item, rng.float() < (item % 10) / 10 ? 1 : 0)
    chosen.push(item)
  }
  return chosen
}

describe('saving and restoring what a policy learned', () => {
  for (const { name } of rlPolicies) {
    it(`${name}: a restored policy continues exactly as the original`, () => {
      const original = createPolicy(name, { seed: 7 }, env)
      play(original, 300, new Random(1))
      const bytes = encodeArtifacts(savePolicyState(original, { clicks: 3 }))
      const restored = createPolicy(name, { seed: 7 }, env)
      const artifacts = decodeArtifacts(bytes)
      expect(artifacts.meta).toEqual({ clicks: 3 })
      restorePolicyState(restored, artifacts)
      expect(play(restored, 100, new Random(2))).toEqual(play(original, 100, new Random(2)))
      // a fresh policy with the same options plays differently: the state carried the learning
      if (name !== 'random') expect(play(createPolicy(name, { seed: 7 }, env), 100, new Random(2))).not.toEqual(play(original, 100, new Random(2)))
    })
  }

  it('refuses the state of another policy or of other vectors', () => {
    const ts = createPolicy('thompson', {}, env)
    play(ts, 20, new Random(1))
    expect(() => restorePolicyState(createPolicy('ucb1', {}, env), savePolicyState(ts))).toThrow(/saved by policy "thompson"/)
    const lin = createPolicy('linucb', {}, env)
    const wide = createPolicy('linucb', {}, { itemVectors: new Float32Array(items * 4), dimensions: 4 })
    expect(() => restorePolicyState(wide, savePolicyState(lin))).toThrow(/does not fit/)
    expect(() => restorePolicyState(ts, { model: 'ease', formatVersion: 1, config: {}, tensors: {} })).toThrow()
  })
})
