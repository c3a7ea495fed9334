import { checkNumber, RecForgeError, throwIfAborted, type RunOptions } from '@recforge/core'
import { checkCandidates, ConfiguredPolicy } from './bandits'
import { DQN_PARAMS, type DQNConfig } from './params'
import { argmaxRandomTie } from './internal/sampling'
import { Mlp } from './internal/mlp'
import type { SessionSimulator } from './simulator'
import type { BanditContext, BanditPolicy } from './types'

/** The item vectors a {@link DQNPolicy} reads states and actions from. */
export interface DQNVectors {
  /** Row-major item vectors (items × `dimensions`). */
  readonly itemVectors: Float32Array
  /** Length of one item vector. */
  readonly dimensions: number
}

interface Transition {
  state: Float64Array
  action: number
  reward: number
  nextState: Float64Array
  nextCandidates: Int32Array
  done: boolean
}

/**
 * A sequential recommender learned by Q-learning (Mnih et al. 2015): Q(s, a) is a small MLP over
 * [state, item vector], where the state is the vectors of the user's most recent items. It keeps
 * a replay buffer and a target network, picks the highest-Q candidate (ε-greedy), and learns
 * online through `update` or in a {@link SessionSimulator} through {@link trainDQN}.
 *
 * @example
 * ```ts
 * const dqn = new DQNPolicy({ hidden: 32 }, { itemVectors, dimensions: 16 })
 * trainDQN(dqn, simulator, { episodes: 500 })
 * dqn.epsilon = 0
 * const item = dqn.select({ candidates, history })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT / DIMENSION_MISMATCH for bad options; UNKNOWN_ID for items outside the vectors.
 */
export class DQNPolicy extends ConfiguredPolicy<DQNConfig> implements BanditPolicy {
  readonly name = 'dqn'
  /** Exploration rate used by `select` (starts at `config.epsilon`; `trainDQN` anneals it). */
  epsilon: number
  readonly historyLength: number
  readonly dimensions: number
  private readonly items: Float32Array
  private readonly numItems: number
  private readonly online: Mlp
  private readonly target: Mlp
  private readonly buffer: Transition[] = []
  private cursor = 0
  private steps = 0

  constructor(config: Partial<DQNConfig>, vectors: DQNVectors) {
    super('dqn', DQN_PARAMS, config)
    const d = checkNumber('dimensions', vectors.dimensions, { min: 1, integer: true })
    if (!(vectors.itemVectors instanceof Float32Array) || vectors.itemVectors.length === 0 || vectors.itemVectors.length % d !== 0) {
      throw new RecForgeError('DIMENSION_MISMATCH', `dqn: itemVectors must be a Float32Array of items × ${d} values; got ${vectors.itemVectors?.length ?? 'none'}`)
    }
    this.dimensions = d
    this.items = vectors.itemVectors
    this.numItems = vectors.itemVectors.length / d
    this.historyLength = this.config.historyLength
    this.epsilon = this.config.epsilon
    const inputs = (this.historyLength + 1) * d
    this.online = new Mlp(inputs, this.config.hidden, this.rng)
    this.target = new Mlp(inputs, this.config.hidden, undefined)
    this.target.copyFrom(this.online)
  }

  private checkItem(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.numItems) throw new RecForgeError('UNKNOWN_ID', `dqn: item ${i} is outside 0..${this.numItems - 1} of the item vectors`)
  }

  /** The state vector of a history: the last `historyLength` item vectors, most recent first. */
  stateOf(history: Int32Array | undefined): Float64Array {
    const d = this.dimensions
    const s = new Float64Array(this.historyLength * d)
    if (!history) return s
    for (let h = 0; h < this.historyLength && h < history.length; h++) {
      const i = history[history.length - 1 - h]!
      this.checkItem(i)
      for (let f = 0; f < d; f++) s[h * d + f] = this.items[i * d + f]!
    }
    return s
  }

  /** Q-values of each candidate in a state, from the online (or target) network. */
  private qValues(state: Float64Array, candidates: Int32Array, net: Mlp): Float64Array {
    const d = this.dimensions
    // the state's share of the first layer is the same for every candidate: compute it once
    const pre = new Float64Array(net.hidden)
    const hid = new Float64Array(net.hidden)
    net.partial(state, 0, state.length, pre)
    const q = new Float64Array(candidates.length)
    const x = new Float64Array(d)
    for (let j = 0; j < candidates.length; j++) {
      const i = candidates[j]!
      this.checkItem(i)
      for (let f = 0; f < d; f++) x[f] = this.items[i * d + f]!
      q[j] = net.finish(pre, state.length, x, 0, hid)
    }
    return q
  }

  /** Q-values of the context's candidates given its history. */
  scores(context: BanditContext): Float64Array {
    return this.qValues(this.stateOf(context.history), checkCandidates(this.name, context), this.online)
  }

  select(context: BanditContext): number {
    const c = checkCandidates(this.name, context)
    for (const i of c) this.checkItem(i)
    if (this.epsilon > 0 && this.rng.float() < this.epsilon) return c[this.rng.int(c.length)]!
    return c[argmaxRandomTie(this.scores(context), this.rng)]!
  }

  /** Stores one transition in the replay buffer. `next` is undefined when the session ended. */
  remember(history: Int32Array | undefined, item: number, reward: number, next: { history: Int32Array; candidates: Int32Array } | undefined): void {
    this.checkItem(item)
    if (!Number.isFinite(reward)) throw new RecForgeError('INVALID_ARGUMENT', `dqn: reward must be finite; got ${reward}`)
    const t: Transition = {
      state: this.stateOf(history),
      action: item,
      reward,
      nextState: next ? this.stateOf(next.history) : new Float64Array(0),
      nextCandidates: next ? next.candidates : new Int32Array(0),
      done: next === undefined || next.candidates.length === 0,
    }
    const capacity = this.config.bufferSize
    if (this.buffer.length < capacity) this.buffer.push(t)
    else this.buffer[this.cursor] = t
    this.cursor = (this.cursor + 1) % capacity
  }

  /** One gradient step on a minibatch from the replay buffer (none until it holds a batch). Returns the loss or NaN. */
  trainStep(): number {
    const { batchSize, gamma, learningRate, targetUpdate } = this.config
    if (this.buffer.length < batchSize) return Number.NaN
    const d = this.dimensions
    const sd = this.historyLength * d
    const inputs = sd + d
    const B = batchSize
    const x = new Float64Array(B * inputs)
    const y = new Float64Array(B)
    for (let b = 0; b < B; b++) {
      const t = this.buffer[this.rng.int(this.buffer.length)]!
      x.set(t.state, b * inputs)
      for (let f = 0; f < d; f++) x[b * inputs + sd + f] = this.items[t.action * d + f]!
      let target = t.reward
      if (!t.done && gamma > 0) {
        const q = this.qValues(t.nextState, t.nextCandidates, this.target)
        let best = -Infinity
        for (const v of q) best = Math.max(best, v)
        target += gamma * best
      }
      y[b] = target
    }
    const loss = this.online.trainBatch(x, y, learningRate)
    if (++this.steps % targetUpdate === 0) this.target.copyFrom(this.online)
    return loss
  }

  /**
   * Online learning from live feedback: the next state is the history plus `item` when it earned a
   * reward, and the next candidates are the others still on offer.
   */
  update(context: BanditContext, item: number, reward: number): void {
    const c = checkCandidates(this.name, context)
    const history = context.history ?? new Int32Array(0)
    let nextHistory = history
    if (reward > 0) {
      nextHistory = new Int32Array(history.length + 1)
      nextHistory.set(history)
      nextHistory[history.length] = item
    }
    this.remember(history, item, reward, { history: nextHistory, candidates: c.filter((i) => i !== item) })
    this.trainStep()
  }
}

/** Options of {@link trainDQN}. */
export interface TrainDQNOptions extends RunOptions {
  /** Simulated sessions. Defaults to `500`. */
  episodes?: number
  /** Exploration at the first episode, decayed linearly to the policy's `epsilon` by the last. Defaults to `1`. */
  startEpsilon?: number
}

/**
 * Trains a {@link DQNPolicy} in a {@link SessionSimulator}: ε-greedy sessions, every transition
 * into the replay buffer, one gradient step per interaction. Reports the mean reward per episode
 * through progress events (stage `episode`, every 10th episode) and returns them all.
 *
 * @example
 * ```ts
 * const rewards = trainDQN(dqn, new SessionSimulator(model), { episodes: 300 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for bad options; ABORTED when the signal fires.
 */
export function trainDQN(policy: DQNPolicy, sim: SessionSimulator, opts: TrainDQNOptions = {}): Float64Array {
  const episodes = checkNumber('episodes', opts.episodes ?? 500, { min: 1, integer: true })
  const finalEps = policy.epsilon
  const startEps = checkNumber('startEpsilon', opts.startEpsilon ?? 1, { min: 0, max: 1 })
  const rewards = new Float64Array(episodes)
  try {
    for (let ep = 0; ep < episodes; ep++) {
      throwIfAborted(opts.signal, 'DQN training')
      policy.epsilon = startEps + ((finalEps - startEps) * ep) / Math.max(1, episodes - 1)
      let s = sim.reset()
      let total = 0
      let loss = 0
      for (;;) {
        const a = policy.select({ user: s.user, candidates: s.candidates, history: s.history })
        const { reward, state, done } = sim.step(s, a)
        total += reward
        policy.remember(s.history, a, reward, done ? undefined : { history: state.history, candidates: state.candidates })
        const l = policy.trainStep()
        if (Number.isFinite(l)) loss = l
        s = state
        if (done) break
      }
      rewards[ep] = total / sim.sessionLength
      if ((ep + 1) % 10 === 0 || ep + 1 === episodes) opts.onProgress?.({ stage: 'episode', current: ep + 1, total: episodes, metrics: { reward: rewards[ep]!, loss } })
    }
  } finally {
    policy.epsilon = finalEps
  }
  return rewards
}

/**
 * Mean reward per step of a policy over `episodes` simulated sessions (the policy does not learn).
 *
 * @example
 * ```ts
 * dqn.epsilon = 0
 * evaluateInSimulator(dqn, sim, 200)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a non-positive episode count.
 */
export function evaluateInSimulator(policy: BanditPolicy, sim: SessionSimulator, episodes = 100): number {
  checkNumber('episodes', episodes, { min: 1, integer: true })
  let total = 0
  for (let ep = 0; ep < episodes; ep++) {
    let s = sim.reset()
    for (;;) {
      const { reward, state, done } = sim.step(s, policy.select({ user: s.user, candidates: s.candidates, history: s.history }))
      total += reward
      s = state
      if (done) break
    }
  }
  return total / (episodes * sim.sessionLength)
}
