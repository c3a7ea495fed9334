import { describe, expect, it } from 'vitest'
import { defaultConfig, InteractionsBuilder, isRecForgeError, Random } from '@recforge/core'
import { Mlp } from '../internal/mlp'
import { DQN_PARAMS, DQNPolicy, evaluateInSimulator, fitRewardModel, RandomPolicy, SessionSimulator, trainDQN, type RewardModel } from '../index'

const G = 4
const PER = 10
const NI = G * PER
const group = (i: number) => Math.floor(i / PER)

/** Planted sequential pattern: after an item of group g, users click items of group g+1 (mod G). */
const planted: RewardModel = {
  numUsers: 5,
  numItems: NI,
  clickProbability(_u, history, item) {
    if (history.includes(item)) return 0
    if (history.length === 0) return 0.5
    return group(item) === (group(history[history.length - 1]!) + 1) % G ? 0.9 : 0.05
  },
}

/** Item vectors: the one-hot group plus two noise dimensions (what an encoder's clusters look like). */
function vectors(seed: number): Float32Array {
  const rng = new Random(seed)
  const d = G + 2
  const v = new Float32Array(NI * d)
  for (let i = 0; i < NI; i++) {
    v[i * d + group(i)] = 1
    v[i * d + G] = rng.normal(0, 0.3)
    v[i * d + G + 1] = rng.normal(0, 0.3)
  }
  return v
}

describe('DQN in the simulator', () => {
  it('learns a planted sequential pattern that a random policy misses', () => {
    const sim = new SessionSimulator(planted, { candidates: 8, sessionLength: 10, seed: 1 })
    const dqn = new DQNPolicy({ historyLength: 2, hidden: 32, learningRate: 0.003, epsilon: 0.05, targetUpdate: 100, seed: 3 }, { itemVectors: vectors(2), dimensions: G + 2 })
    const progress: number[] = []
    const rewards = trainDQN(dqn, sim, { episodes: 300, onProgress: (e) => progress.push(e.current) })
    expect(rewards.length).toBe(300)
    expect(progress.at(-1)).toBe(300)
    dqn.epsilon = 0
    const evalSim = new SessionSimulator(planted, { candidates: 8, sessionLength: 10, seed: 99 })
    const learned = evaluateInSimulator(dqn, evalSim, 100)
    const random = evaluateInSimulator(new RandomPolicy({ seed: 1 }), new SessionSimulator(planted, { candidates: 8, sessionLength: 10, seed: 99 }), 100)
    // random ≈ 0.5·(first step) then 0.9/4 + 0.05·3/4 ≈ 0.26; the pattern-follower gets ≈ 0.8
    expect(random).toBeLessThan(0.35)
    expect(learned).toBeGreaterThan(0.65)
    // it ranks the next group first after a click
    const scores = dqn.scores({ candidates: Int32Array.of(5, 15, 25, 35), history: Int32Array.of(12) })
    expect(scores.indexOf(Math.max(...scores))).toBe(2)
  })

  it('learns online through update() from live feedback', () => {
    const dqn = new DQNPolicy({ historyLength: 1, hidden: 16, learningRate: 0.01, batchSize: 16, gamma: 0, seed: 5 }, { itemVectors: vectors(2), dimensions: G + 2 })
    const rng = new Random(4)
    for (let t = 0; t < 1500; t++) {
      const last = rng.int(NI)
      const candidates = Int32Array.from(rng.permutation(NI).subarray(0, 6))
      const ctx = { candidates, history: Int32Array.of(last) }
      const a = dqn.select(ctx)
      dqn.update(ctx, a, rng.float() < planted.clickProbability(0, ctx.history, a) ? 1 : 0)
    }
    dqn.epsilon = 0
    let right = 0
    for (let t = 0; t < 100; t++) {
      const last = rng.int(NI)
      const want = ((group(last) + 1) % G) * PER + rng.int(PER)
      const others = Int32Array.from({ length: 3 }, (_, k) => ((group(want) + 1 + k) % G) * PER + rng.int(PER))
      if (dqn.select({ candidates: Int32Array.of(want, ...others), history: Int32Array.of(last) }) === want) right++
    }
    expect(right).toBeGreaterThan(85)
  })

  it('rejects bad vectors, unknown items and offers it did not make', () => {
    const code = (fn: () => unknown) => {
      try {
        fn()
      } catch (e) {
        return isRecForgeError(e) ? e.code : 'other'
      }
      return 'none'
    }
    expect(code(() => new DQNPolicy({}, { itemVectors: new Float32Array(7), dimensions: 2 }))).toBe('DIMENSION_MISMATCH')
    expect(code(() => new DQNPolicy({ hiddenUnits: 8 } as never, { itemVectors: vectors(1), dimensions: G + 2 }))).toBe('INVALID_ARGUMENT')
    expect(() => new DQNPolicy({ learningRate: 0 }, { itemVectors: vectors(1), dimensions: G + 2 })).toThrow(/"learningRate"/)
    expect({ ...new DQNPolicy({}, { itemVectors: vectors(1), dimensions: G + 2 }).config }).toEqual(defaultConfig(DQN_PARAMS))
    const dqn = new DQNPolicy({}, { itemVectors: vectors(1), dimensions: G + 2 })
    expect(code(() => dqn.select({ candidates: Int32Array.of(NI) }))).toBe('UNKNOWN_ID')
    const sim = new SessionSimulator(planted, { candidates: 8, seed: 1 })
    const s = sim.reset()
    const notOffered = Array.from({ length: NI }, (_, i) => i).find((i) => !s.candidates.includes(i))!
    expect(code(() => sim.step(s, notOffered))).toBe('INVALID_ARGUMENT')
    expect(code(() => new SessionSimulator(planted, { candidates: 35, sessionLength: 10 }))).toBe('INVALID_ARGUMENT')
  })
})

describe('the simulator fitted from logged ratings', () => {
  // two user groups with opposite tastes over two item groups
  const rng = new Random(6)
  const b = new InteractionsBuilder()
  for (let u = 0; u < 40; u++) {
    for (let i = 0; i < 30; i++) {
      if (rng.float() < 0.5) continue
      const likes = (u < 20) === (i < 15)
      b.push(`u${u}`, `i${i}`, likes ? 4.5 + rng.normal(0, 0.3) : 1.5 + rng.normal(0, 0.3))
    }
  }
  const data = b.build()

  it('follows the documented reward model: σ(sharpness · (r̂ − threshold)), 0 for consumed items', () => {
    const rmse: number[] = []
    const model = fitRewardModel(data, { factors: 4, epochs: 60, learningRate: 0.02, seed: 1, onProgress: (e) => rmse.push(e.metrics!.rmse!) })
    expect(rmse.at(-1)!).toBeLessThan(rmse[0]! / 2)
    const u0 = data.users.index('u0')!
    const liked = data.items.index('i1')!
    const disliked = data.items.index('i20')!
    expect(model.predict(u0, liked)).toBeGreaterThan(3.8)
    expect(model.predict(u0, disliked)).toBeLessThan(2.2)
    const p = model.clickProbability(u0, new Int32Array(0), liked)
    expect(p).toBeCloseTo(1 / (1 + Math.exp(-2 * (model.predict(u0, liked) - 3.5))), 12)
    expect(p).toBeGreaterThan(0.6)
    expect(model.clickProbability(u0, new Int32Array(0), disliked)).toBeLessThan(0.1)
    expect(model.clickProbability(u0, Int32Array.of(liked), liked)).toBe(0)
    const sim = new SessionSimulator(model, { candidates: 5, sessionLength: 5, seed: 2 })
    const s = sim.reset(u0)
    expect(s.user).toBe(u0)
    expect(s.candidates.length).toBe(5)
  })
})

describe('the Q-network', () => {
  it('scores a state once and its candidates from the shared part, exactly as a full forward pass', () => {
    const rng = new Random(8)
    const net = new Mlp(7, 5, rng)
    const x = Float64Array.from({ length: 7 }, (_, k) => (k === 2 ? 0 : rng.normal()))
    const pre = new Float64Array(5)
    net.partial(x, 0, 4, pre)
    const hid = new Float64Array(5)
    expect(net.finish(pre, 4, x.subarray(4), 0, hid)).toBeCloseTo(net.forward(x, 0), 12)
    // by hand: relu(b1 + W1ᵀx)·w2 + b2 with W1 row-major (inputs × hidden)
    const p = net.params
    let want = p[7 * 5 + 5 + 5]!
    for (let j = 0; j < 5; j++) {
      let a = p[7 * 5 + j]!
      for (let k = 0; k < 7; k++) a += x[k]! * p[k * 5 + j]!
      want += Math.max(0, a) * p[7 * 5 + 5 + j]!
    }
    expect(net.forward(x, 0)).toBeCloseTo(want, 12)
  })
})
