import { checkNumber, nnz, Random, RecForgeError, sortedHas, throwIfAborted, type Interactions, type RunOptions } from '@recforge/core'

/** A user model: the probability that `user` clicks `item` after consuming `history` (most recent last). */
export interface RewardModel {
  readonly numUsers: number
  readonly numItems: number
  clickProbability(user: number, history: Int32Array, item: number): number
}

/** Options of {@link fitRewardModel}. */
export interface MFRewardModelOptions extends RunOptions {
  /** Latent factors. Defaults to `16`. */
  factors?: number
  /** SGD epochs over the ratings. Defaults to `20`. */
  epochs?: number
  /** SGD step size. Defaults to `0.01`. */
  learningRate?: number
  /** L2 penalty on factors and biases. Defaults to `0.05`. */
  l2?: number
  /** Predicted rating at which the click probability is 1/2. Defaults to `3.5`. */
  threshold?: number
  /** Slope of the click probability per rating point. Defaults to `2`. */
  sharpness?: number
  /** Seed. Defaults to `42`. */
  seed?: number
}

/**
 * A user model fitted from logged ratings: biased matrix factorisation r̂(u, i) = μ + b_u + b_i + p_u·q_i
 * trained by SGD. The documented reward model: a click happens with probability
 * σ(sharpness · (r̂(u, i) − threshold)); an item already in the user's history is never clicked
 * again (probability 0). Its factors double as user and item vectors for linear bandits and DQN.
 */
export class MFRewardModel implements RewardModel {
  constructor(
    /** Users × factors. */
    readonly userFactors: Float32Array,
    /** Items × factors. */
    readonly itemFactors: Float32Array,
    readonly userBias: Float32Array,
    readonly itemBias: Float32Array,
    readonly globalMean: number,
    readonly factors: number,
    readonly threshold: number,
    readonly sharpness: number,
  ) {}

  get numUsers(): number {
    return this.userBias.length
  }

  get numItems(): number {
    return this.itemBias.length
  }

  /** The predicted rating r̂(u, i). */
  predict(user: number, item: number): number {
    const d = this.factors
    let s = this.globalMean + this.userBias[user]! + this.itemBias[item]!
    for (let f = 0; f < d; f++) s += this.userFactors[user * d + f]! * this.itemFactors[item * d + f]!
    return s
  }

  clickProbability(user: number, history: Int32Array, item: number): number {
    if (user < 0 || user >= this.numUsers || item < 0 || item >= this.numItems) {
      throw new RecForgeError('UNKNOWN_ID', `reward model: user ${user} or item ${item} is outside 0..${this.numUsers - 1} / 0..${this.numItems - 1}`)
    }
    if (history.includes(item)) return 0
    return 1 / (1 + Math.exp(-this.sharpness * (this.predict(user, item) - this.threshold)))
  }
}

/**
 * Fits an {@link MFRewardModel} from ratings (SGD over shuffled entries, seeded).
 *
 * @example
 * ```ts
 * const model = fitRewardModel(ratings, { factors: 16, seed: 42 })
 * const sim = new SessionSimulator(model, { seed: 1 })
 * ```
 * @throws RecForgeError EMPTY_INPUT for empty data; INVALID_ARGUMENT for bad options; ABORTED when the signal fires.
 */
export function fitRewardModel(data: Interactions, opts: MFRewardModelOptions = {}): MFRewardModel {
  const d = checkNumber('factors', opts.factors ?? 16, { min: 1, integer: true })
  const epochs = checkNumber('epochs', opts.epochs ?? 20, { min: 1, integer: true })
  const lr = checkNumber('learningRate', opts.learningRate ?? 0.01, { min: 0, exclusiveMin: true })
  const reg = checkNumber('l2', opts.l2 ?? 0.05, { min: 0 })
  const threshold = checkNumber('threshold', opts.threshold ?? 3.5)
  const sharpness = checkNumber('sharpness', opts.sharpness ?? 2, { min: 0 })
  const n = nnz(data)
  if (n === 0) throw new RecForgeError('EMPTY_INPUT', 'fitRewardModel: the interactions are empty')
  const rng = new Random(opts.seed ?? 42)
  const nu = data.users.size
  const ni = data.items.size
  const P = rng.fillNormal(new Float32Array(nu * d), 0, 0.1) as Float32Array
  const Q = rng.fillNormal(new Float32Array(ni * d), 0, 0.1) as Float32Array
  const bu = new Float32Array(nu)
  const bi = new Float32Array(ni)
  let mu = 0
  for (let k = 0; k < n; k++) mu += data.values[k]!
  mu /= n
  const rowUser = new Int32Array(n)
  for (let u = 0; u < nu; u++) rowUser.fill(u, data.indptr[u]!, data.indptr[u + 1]!)
  const order = rng.permutation(n)
  for (let epoch = 0; epoch < epochs; epoch++) {
    throwIfAborted(opts.signal, 'reward model fit')
    rng.shuffle(order)
    let sq = 0
    for (let t = 0; t < n; t++) {
      const k = order[t]!
      const u = rowUser[k]!
      const i = data.indices[k]!
      let pred = mu + bu[u]! + bi[i]!
      for (let f = 0; f < d; f++) pred += P[u * d + f]! * Q[i * d + f]!
      const err = data.values[k]! - pred
      sq += err * err
      bu[u]! += lr * (err - reg * bu[u]!)
      bi[i]! += lr * (err - reg * bi[i]!)
      for (let f = 0; f < d; f++) {
        const pu = P[u * d + f]!
        const qi = Q[i * d + f]!
        P[u * d + f] = pu + lr * (err * qi - reg * pu)
        Q[i * d + f] = qi + lr * (err * pu - reg * qi)
      }
    }
    opts.onProgress?.({ stage: 'epoch', current: epoch + 1, total: epochs, metrics: { rmse: Math.sqrt(sq / n) } })
  }
  return new MFRewardModel(P, Q, bu, bi, mu, d, threshold, sharpness)
}

/** Options of {@link SessionSimulator}. */
export interface SessionSimulatorOptions {
  /** Candidates offered at every step, drawn uniformly from items not yet consumed. Defaults to `20`. */
  candidates?: number
  /** Steps per session. Defaults to `10`. */
  sessionLength?: number
  /** Seed for users, candidates and clicks. Defaults to `42`. */
  seed?: number
}

/** One session's state: who, what they consumed (clicked) so far, what is on offer. */
export interface SessionState {
  readonly user: number
  readonly history: Int32Array
  readonly candidates: Int32Array
  readonly step: number
}

/**
 * A recommendation environment over a {@link RewardModel}: a session starts with a random user and
 * an empty history; at each step the agent shows one of the offered candidates, the user clicks it
 * with the model's probability (reward 1, the item joins the history) or not (reward 0), and new
 * candidates are drawn from items outside the history. Sessions end after `sessionLength` steps.
 *
 * @example
 * ```ts
 * const sim = new SessionSimulator(fitRewardModel(ratings), { candidates: 20, seed: 1 })
 * let s = sim.reset()
 * const { reward, state, done } = sim.step(s, s.candidates[0]!)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for bad options or an item that was not offered.
 */
export class SessionSimulator {
  readonly candidates: number
  readonly sessionLength: number
  private readonly rng: Random

  constructor(
    readonly model: RewardModel,
    opts: SessionSimulatorOptions = {},
  ) {
    this.candidates = checkNumber('candidates', opts.candidates ?? 20, { min: 1, integer: true })
    this.sessionLength = checkNumber('sessionLength', opts.sessionLength ?? 10, { min: 1, integer: true })
    if (model.numItems < this.candidates + this.sessionLength) {
      throw new RecForgeError('INVALID_ARGUMENT', `the simulator needs at least candidates + sessionLength = ${this.candidates + this.sessionLength} items; the reward model has ${model.numItems}`)
    }
    this.rng = new Random(opts.seed ?? 42)
  }

  private offer(history: Int32Array): Int32Array {
    const sorted = Int32Array.from(history).sort()
    const out = new Int32Array(this.candidates)
    const taken = new Set<number>()
    let m = 0
    while (m < this.candidates) {
      const i = this.rng.int(this.model.numItems)
      if (taken.has(i) || sortedHas(sorted, i)) continue
      taken.add(i)
      out[m++] = i
    }
    return out
  }

  /** Starts a session for `user` (random when omitted). */
  reset(user?: number): SessionState {
    const u = user ?? this.rng.int(this.model.numUsers)
    const history = new Int32Array(0)
    return { user: u, history, candidates: this.offer(history), step: 0 }
  }

  /** Shows `item`; returns the reward, the next state and whether the session ended. */
  step(state: SessionState, item: number): { reward: number; state: SessionState; done: boolean } {
    if (!state.candidates.includes(item)) throw new RecForgeError('INVALID_ARGUMENT', `item ${item} was not among the ${state.candidates.length} offered candidates`)
    const p = this.model.clickProbability(state.user, state.history, item)
    const reward = this.rng.float() < p ? 1 : 0
    let history = state.history
    if (reward) {
      history = new Int32Array(state.history.length + 1)
      history.set(state.history)
      history[state.history.length] = item
    }
    const step = state.step + 1
    return { reward, state: { user: state.user, history, candidates: this.offer(history), step }, done: step >= this.sessionLength }
  }
}
