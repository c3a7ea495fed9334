import { Random, RecForgeError, resolveConfig, type ParamSchema } from '@recforge/core'
import { EPSILON_GREEDY_PARAMS, RANDOM_PARAMS, THOMPSON_PARAMS, UCB1_PARAMS, type EpsilonGreedyConfig, type RandomPolicyConfig, type ThompsonSamplingConfig, type UCB1Config } from './params'
import { argmaxRandomTie, beta } from './internal/sampling'
import type { BanditContext, BanditPolicy } from './types'

/** Checks a context's candidates and returns them. */
export function checkCandidates(policy: string, context: BanditContext): Int32Array {
  const c = context?.candidates
  if (!(c instanceof Int32Array) || c.length === 0) {
    throw new RecForgeError('INVALID_ARGUMENT', `${policy}: context.candidates must be a non-empty Int32Array of item indices; got ${c instanceof Int32Array ? 'an empty array' : typeof c}`)
  }
  return c
}

function checkReward(policy: string, reward: number, max = Infinity): void {
  if (!Number.isFinite(reward) || reward < 0 || reward > max) {
    throw new RecForgeError('INVALID_ARGUMENT', `${policy}: reward must be a finite number in [0, ${max}]; got ${reward}`)
  }
}

function checkItem(policy: string, item: number): void {
  if (!Number.isInteger(item) || item < 0) throw new RecForgeError('UNKNOWN_ID', `${policy}: item must be a non-negative item index; got ${item}`)
}

/** Per-arm pull counts and reward sums over item indices, grown on demand. */
class ArmStats {
  pulls = new Float64Array(64)
  sums = new Float64Array(64)
  total = 0

  ensure(item: number): void {
    if (item < this.pulls.length) return
    let n = this.pulls.length
    while (n <= item) n *= 2
    const p = new Float64Array(n)
    p.set(this.pulls)
    const s = new Float64Array(n)
    s.set(this.sums)
    this.pulls = p
    this.sums = s
  }

  add(item: number, reward: number): void {
    this.ensure(item)
    this.pulls[item]! += 1
    this.sums[item]! += reward
    this.total++
  }

  n(item: number): number {
    return item < this.pulls.length ? this.pulls[item]! : 0
  }

  sum(item: number): number {
    return item < this.sums.length ? this.sums[item]! : 0
  }

  state(): Record<string, Float64Array> {
    return { pulls: this.pulls.slice(), sums: this.sums.slice(), total: Float64Array.of(this.total) }
  }

  restore(policy: string, s: Readonly<Record<string, Float64Array>>): void {
    const { pulls, sums, total } = s
    if (!(pulls instanceof Float64Array) || !(sums instanceof Float64Array) || pulls.length !== sums.length || !(total instanceof Float64Array) || total.length !== 1) {
      throw new RecForgeError('PARSE_ERROR', `${policy}: state needs Float64Arrays pulls and sums of one length and total of length 1`)
    }
    this.pulls = pulls.slice()
    this.sums = sums.slice()
    this.total = total[0]!
  }
}

/** Checks that a saved state carries the random stream. */
function savedRng(policy: string, s: Readonly<Record<string, Float64Array>>): Float64Array {
  const rng = s['rng']
  if (!(rng instanceof Float64Array)) throw new RecForgeError('PARSE_ERROR', `${policy}: state has no rng array`)
  return rng
}

/** A policy's checked configuration and its seeded generator, from its schema. */
export abstract class ConfiguredPolicy<C extends { seed: number }> {
  abstract readonly name: string
  readonly config: Readonly<C>
  protected readonly rng: Random

  constructor(name: string, schema: ParamSchema, config: object) {
    this.config = Object.freeze(resolveConfig(schema, config, { model: name }) as unknown as C)
    this.rng = new Random(this.config.seed)
  }
}

/**
 * Policies that learn per-item counts and reward sums: each shows the candidate with the best
 * value (ties at random) and learns by adding the reward to the item's counts. Their state is
 * those counts and the random stream.
 */
abstract class CountingPolicy<C extends { seed: number }> extends ConfiguredPolicy<C> implements BanditPolicy {
  protected readonly stats = new ArmStats()
  /** The largest reward {@link CountingPolicy.update} accepts. */
  protected readonly maxReward: number = Infinity

  /** One value per candidate, in the candidates' order; {@link CountingPolicy.select} shows the best. */
  protected abstract values(candidates: Int32Array): Float64Array

  /** What the counts record for an observed reward. */
  protected observed(reward: number): number {
    return reward
  }

  select(context: BanditContext): number {
    return this.pick(checkCandidates(this.name, context))
  }

  /** The candidate with the best value (ties at random), from checked candidates. */
  protected pick(c: Int32Array): number {
    return c[argmaxRandomTie(this.values(c), this.rng)]!
  }

  update(_context: BanditContext, item: number, reward: number): void {
    checkItem(this.name, item)
    checkReward(this.name, reward, this.maxReward)
    this.stats.add(item, this.observed(reward))
  }

  getState(): Record<string, Float64Array> {
    return { ...this.stats.state(), rng: this.rng.getState() }
  }

  setState(state: Readonly<Record<string, Float64Array>>): void {
    const rng = savedRng(this.name, state)
    this.stats.restore(this.name, state)
    this.rng.setState(rng)
  }
}

/**
 * Epsilon-greedy over items: with probability ε a random candidate, otherwise the candidate with
 * the best mean reward so far (ties broken at random).
 *
 * @example
 * ```ts
 * const policy = new EpsilonGreedy({ epsilon: 0.1 })
 * const item = policy.select({ candidates })
 * policy.update({ candidates }, item, clicked ? 1 : 0)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for options out of range or unknown, empty candidates or a bad reward.
 */
export class EpsilonGreedy extends CountingPolicy<EpsilonGreedyConfig> {
  readonly name = 'epsilon-greedy'

  constructor(config: Partial<EpsilonGreedyConfig> = {}) {
    super('epsilon-greedy', EPSILON_GREEDY_PARAMS, config)
  }

  /** The mean reward of each candidate so far (`initialValue` for one never shown). */
  protected values(c: Int32Array): Float64Array {
    const m = new Float64Array(c.length)
    for (let j = 0; j < c.length; j++) {
      const n = this.stats.n(c[j]!)
      m[j] = n > 0 ? this.stats.sum(c[j]!) / n : this.config.initialValue
    }
    return m
  }

  /** With probability ε a random candidate, otherwise the greedy one. */
  protected override pick(c: Int32Array): number {
    if (this.rng.float() < this.config.epsilon) return c[this.rng.int(c.length)]!
    return super.pick(c)
  }

  /** (1 − ε) on the greedy candidates (shared among ties) plus ε / |candidates| everywhere. */
  probabilities(context: BanditContext): Float64Array {
    const c = checkCandidates(this.name, context)
    const m = this.values(c)
    const eps = this.config.epsilon
    let best = -Infinity
    for (const v of m) best = Math.max(best, v)
    let ties = 0
    for (const v of m) if (v === best) ties++
    const p = new Float64Array(c.length)
    for (let j = 0; j < c.length; j++) p[j] = eps / c.length + (m[j] === best ? (1 - eps) / ties : 0)
    return p
  }
}

/**
 * UCB1 (Auer, Cesa-Bianchi and Fischer 2002): every candidate never tried first, then the highest
 * mean + sqrt(2 ln t / n). For rewards in [0, 1] its expected regret grows as O(log t).
 *
 * @example
 * ```ts
 * const policy = new UCB1()
 * const item = policy.select({ candidates })
 * policy.update({ candidates }, item, reward)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for options out of range or unknown, empty candidates or a reward outside [0, 1].
 */
export class UCB1 extends CountingPolicy<UCB1Config> {
  readonly name = 'ucb1'

  constructor(config: Partial<UCB1Config> = {}) {
    super('ucb1', UCB1_PARAMS, config)
  }

  protected override readonly maxReward = 1

  /** The upper confidence bound of each candidate (Infinity for one never shown). */
  protected values(cand: Int32Array): Float64Array {
    const u = new Float64Array(cand.length)
    const logT = Math.log(Math.max(1, this.stats.total))
    for (let j = 0; j < cand.length; j++) {
      const n = this.stats.n(cand[j]!)
      u[j] = n === 0 ? Infinity : this.stats.sum(cand[j]!) / n + this.config.exploration * Math.sqrt((2 * logT) / n)
    }
    return u
  }
}

/**
 * Beta-Bernoulli Thompson sampling: draws each candidate's click rate from its Beta posterior and
 * shows the best draw. Rewards in (0, 1) count as a success with that probability.
 *
 * @example
 * ```ts
 * const policy = new ThompsonSampling({ priorAlpha: 1, priorBeta: 1 })
 * const item = policy.select({ candidates })
 * policy.update({ candidates }, item, 1)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for non-positive priors, unknown options, empty candidates or a reward outside [0, 1].
 */
export class ThompsonSampling extends CountingPolicy<ThompsonSamplingConfig> {
  readonly name = 'thompson'

  constructor(config: Partial<ThompsonSamplingConfig> = {}) {
    super('thompson', THOMPSON_PARAMS, config)
  }

  protected override readonly maxReward = 1

  /** One draw from each candidate's Beta posterior. */
  protected values(c: Int32Array): Float64Array {
    const draws = new Float64Array(c.length)
    for (let j = 0; j < c.length; j++) {
      const s = this.stats.sum(c[j]!)
      const f = this.stats.n(c[j]!) - s
      draws[j] = beta(this.rng, this.config.priorAlpha + s, this.config.priorBeta + f)
    }
    return draws
  }

  /** Bernoulli trick (Agrawal and Goyal 2012): a fractional reward is a success with that probability. */
  protected override observed(reward: number): number {
    return reward === 0 || reward === 1 ? reward : this.rng.float() < reward ? 1 : 0
  }
}

/**
 * Uniformly random choice among the candidates: the exploration floor every learner must beat,
 * and the logging policy of {@link buildLoggedDataset}.
 *
 * @example
 * ```ts
 * new RandomPolicy({ seed: 1 }).select({ candidates })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for empty candidates or unknown options.
 */
export class RandomPolicy extends ConfiguredPolicy<RandomPolicyConfig> implements BanditPolicy {
  readonly name = 'random'

  constructor(config: Partial<RandomPolicyConfig> = {}) {
    super('random', RANDOM_PARAMS, config)
  }

  select(context: BanditContext): number {
    const c = checkCandidates(this.name, context)
    return c[this.rng.int(c.length)]!
  }

  probabilities(context: BanditContext): Float64Array {
    const c = checkCandidates(this.name, context)
    return new Float64Array(c.length).fill(1 / c.length)
  }

  update(): void {}

  getState(): Record<string, Float64Array> {
    return { rng: this.rng.getState() }
  }

  setState(state: Readonly<Record<string, Float64Array>>): void {
    this.rng.setState(savedRng(this.name, state))
  }
}
