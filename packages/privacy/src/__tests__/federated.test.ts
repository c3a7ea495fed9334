import { RecForgeError, decodeArtifacts, encodeArtifacts, plantedFixture } from '@recforge/core'
import { describeModelDefinition, describeRecommender } from '@recforge/core/testing'
import { describe, expect, it } from 'vitest'
import { FederatedClient, FederatedMF, FederatedServer, clipUpdate, dpSgdEpsilon, fedmfModel, seededNoise, updateNorm, type GlobalItemModel } from '../index'

// each planted user has 9 ratings: few factors and a real penalty, or a user's own vector fits them exactly and leaves nothing for the items to learn
const small = { factors: 4, l2: 5, clientsPerRound: 24, epochs: 50 }
describeRecommender('fedmf (no privacy)', { create: () => new FederatedMF({ ...small, dp: false }), load: (a) => FederatedMF.load(a), fixture: 'ratings', plantedHitRate: 0.7 })
describeRecommender('fedmf (epsilon 1000)', { create: () => new FederatedMF({ ...small, epsilon: 1000, clipNorm: 2 }), load: (a) => FederatedMF.load(a), fixture: 'ratings', plantedHitRate: 0.5 })
describeModelDefinition(fedmfModel, { construct: (c) => new FederatedMF(c), fast: { epochs: 2 }, fixture: 'ratings', vary: { noiseMultiplier: 50 } })

/** One factor; items 0 and 1 with q = 1 and 2, biases 0.5 and -0.5, μ = 3. */
const model: GlobalItemModel = { factors: 1, mu: 3, itemBias: Float64Array.of(0.5, -0.5), itemFactors: Float64Array.of(1, 2) }

// the client's fit is @recforge/mf's fold-in, which adds 1e-9 to the diagonal of the normal
// equations for a stable Cholesky solve: hand-computed fits agree to about 1e-9
describe('FederatedClient', () => {
  it('fits its own vector and bias by ridge regression (mf fold-in)', () => {
    const c = new FederatedClient(Int32Array.of(0, 1), Float32Array.of(5, 2), { factors: 1, l2: 1 })
    c.fitUser(model)
    // targets y = r - μ - b_i = (1.5, -0.5); rows z = (q_i, 1); solve (ZᵀZ + I) x = Zᵀy:
    // [[6, 3], [3, 3]] x = [0.5, 1]  =>  x = (1/9) [[3, -3], [-3, 6]] [0.5, 1] = (-1/6, 1/2)
    expect(c.userVector[0]).toBeCloseTo(-1 / 6, 8)
    expect(c.userBias).toBeCloseTo(1 / 2, 8)
  })

  it('sends a gradient step for its items only, and scores every item', () => {
    const c = new FederatedClient(Int32Array.of(1), Float32Array.of(4), { factors: 1, l2: 0 })
    c.fitUser(model)
    // one rating and no penalty: the (nearly) minimum-norm fit leaves error e = y - (p q + b) ≈ 0
    const out = new Float32Array(2)
    c.score(model, out)
    expect(out[1]).toBeCloseTo(4, 5)
    const u = c.computeUpdate(model, 0.5)
    expect(Array.from(u.items)).toEqual([1])
    expect(u.deltas.length).toBe(2)
    expect(u.deltas[0]).toBeCloseTo(0, 8)
    // Δμ = η × mean(r - μ - b_i) = 0.5 × (4 - 3 + 0.5)
    expect(u.mu).toBeCloseTo(0.75, 12)
  })

  it('computes Δb_i = η e_i and Δq_i = η e_i p_u with the fitted vector', () => {
    const c = new FederatedClient(Int32Array.of(0, 1), Float32Array.of(5, 2), { factors: 1, l2: 1 })
    c.fitUser(model)
    const p = -1 / 6
    const b = 1 / 2
    const e0 = 1.5 - (p * 1 + b)
    const e1 = -0.5 - (p * 2 + b)
    const u = c.computeUpdate(model, 0.1)
    const want = [0.1 * e0, 0.1 * e0 * p, 0.1 * e1, 0.1 * e1 * p]
    u.deltas.forEach((d, j) => expect(d).toBeCloseTo(want[j]!, 8))
    expect(u.mu).toBeCloseTo((0.1 * (1.5 - 0.5)) / 2, 12)
  })

  it('clips an update to a norm over all its coordinates', () => {
    const u = { mu: 3, items: Int32Array.of(0), deltas: Float64Array.of(4, 0) }
    expect(updateNorm(u)).toBe(5)
    const c = clipUpdate(u, 1)
    expect(c.mu).toBeCloseTo(0.6, 15)
    expect(Array.from(c.deltas)).toEqual([0.8, 0])
    expect(clipUpdate(u, 10)).toBe(u)
  })

  it('rejects mismatched or non-finite ratings', () => {
    expect(() => new FederatedClient(Int32Array.of(0, 1), Float32Array.of(1), { factors: 1, l2: 1 })).toThrow(RecForgeError)
    expect(() => new FederatedClient(Int32Array.of(0), Float32Array.of(Number.NaN), { factors: 1, l2: 1 })).toThrow(/must be finite/)
  })
})

describe('FederatedServer', () => {
  it('applies the clipped sum over the expected number of clients, with weight decay', () => {
    const s = new FederatedServer({ numItems: 2, factors: 1, numClients: 10, sampleRate: 0.2, clipNorm: 1, noiseMultiplier: 0, noise: seededNoise(3), weightDecay: 0.5, initStd: 0 })
    expect(s.receive({ mu: 0, items: Int32Array.of(0), deltas: Float64Array.of(3, 4) })).toBe(5)
    s.receive({ mu: 0.5, items: Int32Array.of(1), deltas: Float64Array.of(0, 0) })
    s.finishRound()
    // the first update is clipped to (0.6, 0.8); both are divided by q N = 2
    expect(s.model.mu).toBeCloseTo(0.25, 15)
    const close = (a: Float64Array, want: number[]) => want.forEach((w, j) => expect(a[j]).toBeCloseTo(w, 15))
    close(s.model.itemBias, [0.3, 0])
    close(s.model.itemFactors, [0.4, 0])
    s.finishRound()
    close(s.model.itemBias, [0.15, 0])
    expect(s.rounds).toBe(2)
  })

  it('noises every coordinate with σC/(qN) per round and reports ε by the accountant', () => {
    const s = new FederatedServer({ numItems: 5000, factors: 1, numClients: 100, sampleRate: 0.1, clipNorm: 2, noiseMultiplier: 1.5, noise: seededNoise(9), initStd: 0 })
    s.finishRound()
    let ss = 0
    for (const b of s.model.itemBias) ss += b * b
    const want = ((1.5 * 2) / 10) ** 2
    expect(Math.abs(ss / 5000 / want - 1)).toBeLessThan(0.1)
    expect(s.privacySpent(1e-5)).toEqual(dpSgdEpsilon({ sampleRate: 0.1, noiseMultiplier: 1.5, steps: 1, delta: 1e-5 }))
  })

  it('rejects malformed updates', () => {
    const s = new FederatedServer({ numItems: 2, factors: 1, numClients: 4, sampleRate: 0.5, clipNorm: 1, noiseMultiplier: 0, noise: seededNoise(1) })
    expect(() => s.receive({ mu: 0, items: Int32Array.of(0), deltas: Float64Array.of(1) })).toThrow(/has 1 values; expected 2/)
    expect(() => s.receive({ mu: 0, items: Int32Array.of(2), deltas: Float64Array.of(1, 1) })).toThrow(/item 2, outside 0..1/)
    expect(() => s.receive({ mu: Number.NaN, items: Int32Array.of(0), deltas: Float64Array.of(1, 1) })).toThrow(/non-finite/)
    expect(() => s.privacySpent(1e-5)).toThrow(/without noise/)
  })
})

describe('FederatedMF', () => {
  it('reports user-level DP-FedAvg privacy, delta 1/users, and keeps it through save and load', async () => {
    const { train } = plantedFixture({ ratings: true })
    const m = new FederatedMF({ ...small, epochs: 3, epsilon: 2 })
    await m.fit(train)
    expect(m.accounting).toMatchObject({ sampleRate: 0.5, steps: 6 })
    expect(m.privacy).toEqual({
      epsilon: dpSgdEpsilon({ sampleRate: 0.5, noiseMultiplier: m.accounting!.noiseMultiplier, steps: 6, delta: 1 / 48 }).epsilon,
      delta: 1 / 48,
      mechanism: 'dp-fedavg',
      unit: 'user',
    })
    expect(m.privacy!.epsilon).toBeLessThanOrEqual(2)
    const again = (await FederatedMF.load(decodeArtifacts(encodeArtifacts(await m.save())))) as FederatedMF
    expect(again.privacy).toEqual(m.privacy)
  })
})
