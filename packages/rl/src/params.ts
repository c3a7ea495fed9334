import { defineParams, param, type ConfigOf } from '@recforge/core'
import type { DQNPolicy } from './dqn'
import type { EpsilonGreedy, RandomPolicy, ThompsonSampling, UCB1 } from './bandits'
import type { LinearThompson, LinUCB } from './linear'

/** The seed every policy has. */
export const seedParam = param.int({ default: 42, description: 'seed of exploration, tie-breaking and posterior draws' })

/** The parameters of {@link EpsilonGreedy} (`epsilon-greedy`). */
export const EPSILON_GREEDY_PARAMS = defineParams({
  epsilon: param.float({ default: 0.1, min: 0, max: 1, description: 'probability of a uniformly random candidate instead of the best mean' }),
  initialValue: param.float({ default: 0, description: 'mean reward assumed for an item never tried' }),
  seed: seedParam,
})

/** The configuration of {@link EpsilonGreedy}: see {@link EPSILON_GREEDY_PARAMS}. */
export type EpsilonGreedyConfig = ConfigOf<typeof EPSILON_GREEDY_PARAMS>

/** The parameters of {@link UCB1} (`ucb1`). */
export const UCB1_PARAMS = defineParams({
  exploration: param.float({ default: 1, min: 0, description: 'multiplier c of the confidence width c·sqrt(2 ln t / n)' }),
  seed: seedParam,
})

/** The configuration of {@link UCB1}: see {@link UCB1_PARAMS}. */
export type UCB1Config = ConfigOf<typeof UCB1_PARAMS>

/** The parameters of {@link ThompsonSampling} (`thompson`). */
export const THOMPSON_PARAMS = defineParams({
  priorAlpha: param.float({ default: 1, min: 0, exclusiveMin: true, description: 'prior successes alpha of every item\'s Beta prior' }),
  priorBeta: param.float({ default: 1, min: 0, exclusiveMin: true, description: 'prior failures beta of every item\'s Beta prior' }),
  seed: seedParam,
})

/** The configuration of {@link ThompsonSampling}: see {@link THOMPSON_PARAMS}. */
export type ThompsonSamplingConfig = ConfigOf<typeof THOMPSON_PARAMS>

/** The parameters of {@link RandomPolicy} (`random`). */
export const RANDOM_PARAMS = defineParams({ seed: seedParam })

/** The configuration of {@link RandomPolicy}: see {@link RANDOM_PARAMS}. */
export type RandomPolicyConfig = ConfigOf<typeof RANDOM_PARAMS>

const lambda = param.float({ default: 1, min: 0, exclusiveMin: true, description: 'ridge penalty lambda: A starts as lambda·I' })

/** The parameters of {@link LinUCB} (`linucb`). */
export const LINUCB_PARAMS = defineParams({
  alpha: param.float({ default: 1, min: 0, description: 'width alpha of the confidence bonus alpha·sqrt(xᵀA⁻¹x)' }),
  lambda,
  seed: seedParam,
})

/** The configuration of {@link LinUCB}: see {@link LINUCB_PARAMS}. */
export type LinUCBConfig = ConfigOf<typeof LINUCB_PARAMS>

/** The parameters of {@link LinearThompson} (`lints`). */
export const LINTS_PARAMS = defineParams({
  v: param.float({ default: 0.5, min: 0, description: 'scale v of the posterior: θ̃ ~ N(θ̂, v²A⁻¹)' }),
  lambda,
  seed: seedParam,
})

/** The configuration of {@link LinearThompson}: see {@link LINTS_PARAMS}. */
export type LinearThompsonConfig = ConfigOf<typeof LINTS_PARAMS>

/** The parameters of {@link DQNPolicy}. */
export const DQN_PARAMS = defineParams({
  historyLength: param.int({ default: 3, min: 1, description: 'recent items in the state (their vectors concatenated, most recent first, zero-padded)' }),
  hidden: param.int({ default: 64, min: 1, description: 'hidden units of the Q-network' }),
  learningRate: param.float({ default: 0.001, min: 0, exclusiveMin: true, description: 'Adam step size' }),
  gamma: param.float({ default: 0.9, min: 0, max: 1, description: 'discount factor' }),
  epsilon: param.float({ default: 0.1, min: 0, max: 1, description: 'probability of a random candidate in select (exploration; 0 = greedy)' }),
  batchSize: param.int({ default: 32, min: 1, description: 'transitions per gradient step' }),
  bufferSize: param.int({ default: 10_000, min: 1, description: 'capacity of the replay buffer (the oldest transitions are overwritten)' }),
  targetUpdate: param.int({ default: 200, min: 1, description: 'gradient steps between copies of the online network into the target network' }),
  seed: seedParam,
})

/** The configuration of {@link DQNPolicy}: see {@link DQN_PARAMS}. */
export type DQNConfig = ConfigOf<typeof DQN_PARAMS>
