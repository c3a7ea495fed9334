import { RecForgeError, resolveParams, type Interactions, type ModelDefinition, type ParamSpec, type ParamValue, type ParamValues } from '@recforge/core'
import { EpsilonGreedy, RandomPolicy, ThompsonSampling, UCB1 } from './bandits'
import { LinearThompson, LinUCB } from './linear'
import { fitRewardModel } from './simulator'
import type { BanditPolicy, LoggedEvents } from './types'

/** A bandit policy the command line can build by name. */
export interface PolicyDefinition {
  readonly name: string
  readonly description: string
  readonly params: Readonly<Record<string, ParamSpec>>
  /** Whether the policy needs item vectors (given, or fitted on a log's warm-up part). */
  readonly needsVectors: boolean
}

const seed: ParamSpec = { type: 'int', default: 42, description: 'random seed' }
const vectorParams: Record<string, ParamSpec> = {
  lambda: { type: 'float', default: 1, min: 0, description: 'ridge penalty (A starts as lambda * I)' },
  factors: { type: 'int', default: 16, min: 1, description: 'size of the vectors fitted on the warm-up ratings when none are given' },
  useUsers: { type: 'bool', default: true, description: 'add user ⊙ item features when user vectors are available' },
  seed,
}

/**
 * The bandit policies `createPolicy` builds, with their parameters and defaults
 * (`recforge evaluate --protocol replay --model <name> --set key=value`).
 *
 * @example
 * ```ts
 * for (const p of rlPolicies) console.log(p.name, Object.keys(p.params))
 * ```
 */
export const rlPolicies: readonly PolicyDefinition[] = [
  { name: 'random', description: 'uniformly random candidate (the logging policy)', needsVectors: false, params: { seed } },
  {
    name: 'epsilon-greedy',
    description: 'best mean reward so far, a random candidate with probability epsilon',
    needsVectors: false,
    params: {
      epsilon: { type: 'float', default: 0.1, min: 0, max: 1, description: 'exploration probability' },
      initialValue: { type: 'float', default: 0, description: 'mean assumed for untried items' },
      seed,
    },
  },
  { name: 'ucb1', description: 'UCB1 (Auer et al. 2002) over items', needsVectors: false, params: { exploration: { type: 'float', default: 1, min: 0, description: 'confidence width multiplier' }, seed } },
  {
    name: 'thompson',
    description: 'Beta-Bernoulli Thompson sampling over items',
    needsVectors: false,
    params: {
      priorAlpha: { type: 'float', default: 1, min: 0, description: 'Beta prior successes' },
      priorBeta: { type: 'float', default: 1, min: 0, description: 'Beta prior failures' },
      seed,
    },
  },
  { name: 'linucb', description: 'LinUCB (Li et al. 2010) over item and user vectors', needsVectors: true, params: { alpha: { type: 'float', default: 1, min: 0, description: 'confidence width' }, ...vectorParams } },
  { name: 'lints', description: 'linear Thompson sampling (Agrawal and Goyal 2013) over item and user vectors', needsVectors: true, params: { v: { type: 'float', default: 0.5, min: 0, description: 'posterior scale' }, ...vectorParams } },
]

/** What a policy may need beyond its parameters. */
export interface PolicyEnvironment {
  /** Row-major item vectors (items × `dimensions`), e.g. from `@recforge/encoders` or a factor model. Defaults to `undefined`. */
  itemVectors?: Float32Array
  /** Row-major user vectors (users × `dimensions`). Defaults to `undefined`. */
  userVectors?: Float32Array
  /** Length of one vector. Defaults to `undefined`. */
  dimensions?: number
  /** Ratings to fit vectors on when none are given (a log's `warmup`). Defaults to `undefined`. */
  warmup?: Interactions
  /** A log whose `warmup` to use when `warmup` is not given. Defaults to `undefined`. */
  events?: LoggedEvents
}

/**
 * Builds a bandit policy by name with checked parameters. Linear policies use the given vectors,
 * or fit a matrix factorisation on the warm-up ratings (never on the evaluated events) and use its
 * user and item factors.
 *
 * @example
 * ```ts
 * const events = buildLoggedDataset(ratings, { seed: 42 })
 * const policy = createPolicy('linucb', { alpha: '0.5' }, { events })
 * replayEvaluate(policy, events)
 * ```
 * @throws RecForgeError UNKNOWN_ID for an unknown name; INVALID_ARGUMENT for bad parameters or a
 * linear policy with neither vectors nor warm-up ratings.
 */
export function createPolicy(name: string, params: Record<string, ParamValue | undefined> = {}, env: PolicyEnvironment = {}): BanditPolicy {
  const def = rlPolicies.find((p) => p.name === name)
  if (!def) throw new RecForgeError('UNKNOWN_ID', `unknown policy "${name}"; policies: ${rlPolicies.map((p) => p.name).join(', ')}`)
  // resolveParams only reads the name and the parameter specs of a definition
  const p: ParamValues = resolveParams({ name: def.name, params: def.params } as unknown as ModelDefinition, params)
  const num = (k: string) => p[k] as number
  switch (name) {
    case 'random':
      return new RandomPolicy({ seed: num('seed') })
    case 'epsilon-greedy':
      return new EpsilonGreedy({ epsilon: num('epsilon'), initialValue: num('initialValue'), seed: num('seed') })
    case 'ucb1':
      return new UCB1({ exploration: num('exploration'), seed: num('seed') })
    case 'thompson':
      return new ThompsonSampling({ priorAlpha: num('priorAlpha'), priorBeta: num('priorBeta'), seed: num('seed') })
  }
  let { itemVectors, userVectors, dimensions } = env
  if (!itemVectors) {
    const warmup = env.warmup ?? env.events?.warmup
    if (!warmup) {
      throw new RecForgeError('INVALID_ARGUMENT', `policy "${name}" needs item vectors: pass itemVectors and dimensions, or warm-up ratings (buildLoggedDataset with warmupFraction > 0)`)
    }
    const mf = fitRewardModel(warmup, { factors: num('factors'), seed: num('seed') })
    itemVectors = mf.itemFactors
    userVectors = mf.userFactors
    dimensions = mf.factors
  }
  const vec = { itemVectors, dimensions, ...(p.useUsers && userVectors ? { userVectors } : {}), lambda: num('lambda'), seed: num('seed') }
  return name === 'linucb' ? new LinUCB({ ...vec, alpha: num('alpha') }) : new LinearThompson({ ...vec, v: num('v') })
}
