import { defineParams, param, type ConfigOf } from '@recforge/core'
import { PARALLEL_MIN_INTERACTIONS } from './internal/parallel'

/** The defaults in which {@link MF} and {@link SVDpp} differ (Surprise's SVD++ for `svdpp`; tuned for `mf`). */
export interface SgdDefaults {
  readonly factors: number
  readonly learningRate: number
  readonly l2: number
}

/**
 * The parameters of the SGD rating models ({@link MF}, {@link SVDpp}), names and meanings after
 * Surprise's `SVD`, with a model's own defaults where they differ; each schema spreads them.
 *
 * @example
 * ```ts
 * const MY_PARAMS = defineParams({ ...sgdParams({ factors: 50, learningRate: 0.01, l2: 0.02 }), wasm: param.bool({ ... }) })
 * ```
 */
export function sgdParams(d: SgdDefaults) {
  return {
    factors: param.int({ default: d.factors, min: 1, description: 'number of latent factors' }),
    epochs: param.int({ default: 20, min: 0, description: 'passes over the training ratings' }),
    learningRate: param.float({ default: d.learningRate, min: 0, exclusiveMin: true, description: "SGD learning rate of all parameters (Surprise's lr_all)" }),
    l2: param.float({ default: d.l2, min: 0, description: "L2 penalty of all parameters, applied per rating (Surprise's reg_all)" }),
    learningRateBias: param.float({ default: -1, min: -1, description: 'learning rate of the biases (-1 = learningRate; otherwise >= 0)' }),
    l2Bias: param.float({ default: -1, min: -1, description: 'L2 penalty of the biases (-1 = l2; otherwise >= 0)' }),
    initMean: param.float({ default: 0, description: 'mean of the initial factors' }),
    initStd: param.float({ default: 0.1, min: 0, description: 'standard deviation of the initial factors' }),
    lrDecay: param.float({ default: 1, min: 0, exclusiveMin: true, max: 1, description: 'learning-rate multiplier after each epoch (1 = constant)' }),
    validationFraction: param.float({ default: 0, min: 0, max: 0.9, description: 'share of the training ratings held out to stop early (0 = train on all, no early stopping)' }),
    patience: param.int({ default: 3, min: 1, description: 'epochs without a better validation RMSE before stopping (the best epoch is kept)' }),
    shuffle: param.bool({ default: true, description: 'visit the ratings in a new random order every epoch (false: in stored order, user by user)' }),
    seed: param.int({ default: 42, description: 'seed of initialisation, shuffling and the validation split (fit({ seed }) overrides it)' }),
  }
}

/** The parameters every SGD rating model has: see {@link sgdParams}. */
export type SgdConfig = ConfigOf<ReturnType<typeof sgdParams>>

/**
 * The parameters of {@link MF} (`mf`): Surprise's SVD but for the learning rate and L2 (0.03 and
 * 0.07 against Surprise's 0.005 and 0.02), chosen by tuning on four datasets (the package README,
 * "Defaults and tuning").
 */
export const MF_PARAMS = defineParams({
  ...sgdParams({ factors: 100, learningRate: 0.03, l2: 0.07 }),
  biased: param.bool({ default: true, description: 'use the global mean and user and item biases' }),
  precision: param.enumOf({
    values: ['float32', 'float64'],
    default: 'float32',
    description: 'factor storage and SIMD arithmetic: float32 (f32x4, when factors is a multiple of 4; error and biases in float64) or float64 (f64x2 when factors is even, as Surprise computes)',
  }),
  wasm: param.bool({ default: true, description: 'run the SGD epochs in WebAssembly SIMD (see precision); otherwise, and for factor counts the kernel does not take, a TypeScript loop in float64 arithmetic on the stored factors' }),
})

/** The parameters of {@link SVDpp} (`svdpp`): those of `mf` with Surprise's SVD++ defaults, always biased. */
export const SVDPP_PARAMS = defineParams(sgdParams({ factors: 20, learningRate: 0.007, l2: 0.02 }))

const latentFactors = param.int({ default: 64, min: 1, description: 'number of latent factors' })
const implicitInitStd = param.float({ default: 0.01, min: 0, description: 'standard deviation of the initial factors' })
const threads = param.int({
  default: 0,
  min: 0,
  description: `worker threads (0 = one per core, at most 8, from ${PARALLEL_MIN_INTERACTIONS.toLocaleString('en-US')} interactions up; one thread below)`,
})

/** The parameters of {@link ALS} (`als`). */
export const ALS_PARAMS = defineParams({
  factors: latentFactors,
  iterations: param.int({ default: 15, min: 0, description: 'alternating iterations, each solving items then users' }),
  l2: param.float({ default: 0.3, min: 0, description: 'L2 penalty λ on the factors (per interaction with l2Scaling count)' }),
  l2Scaling: param.enumOf({ values: ['count', 'none'], default: 'count', description: "count: λ · n for a row with n ≥ 1 interactions (weighted-λ, Zhou et al. 2008, as Spark's ALS), so one λ suits sparse and dense rows; none: λ for every row (as implicit, whose default is l2 0.01)" }),
  alpha: param.float({ default: 1, min: 0, description: 'confidence scale: c = 1 + alpha · value' }),
  solver: param.enumOf({ values: ['cg', 'cholesky'], default: 'cg', description: 'per-row solver: cg (conjugate gradient, warm-started, as implicit does) or cholesky (exact)' }),
  cgSteps: param.int({ default: 3, min: 1, description: 'conjugate-gradient steps per row and half-step' }),
  initStd: implicitInitStd,
  wasm: param.bool({ default: true, description: 'run cg in WebAssembly f32x4 SIMD (float32, as implicit) when factors is a multiple of 4; otherwise, and for cholesky, the float64 TypeScript kernel' }),
  threads,
  seed: param.int({ default: 42, description: 'seed of the initial factors (fit({ seed }) overrides it)' }),
})

/** The parameters of {@link BPR} (`bpr`). */
export const BPR_PARAMS = defineParams({
  factors: latentFactors,
  epochs: param.int({ default: 100, min: 0, description: 'epochs; each draws one (user, positive, negative) triple per interaction' }),
  learningRate: param.float({ default: 0.05, min: 0, exclusiveMin: true, description: 'SGD learning rate' }),
  l2: param.float({ default: 0.01, min: 0, description: 'L2 penalty on the factors and item biases' }),
  sampling: param.enumOf({ values: ['uniform', 'popularity'], default: 'uniform', description: 'negative sampling: uniform over items, or popularity (∝ (count + 1)^popularityExponent)' }),
  popularityExponent: param.float({ default: 0.75, min: 0, description: 'exponent of popularity-aware sampling' }),
  verifyNegatives: param.bool({ default: true, description: 'reject sampled negatives the user has interacted with' }),
  initStd: implicitInitStd,
  wasm: param.bool({ default: true, description: 'run the vector work of each step in WebAssembly f32x4 SIMD when factors is a multiple of 4' }),
  threads,
  seed: param.int({ default: 42, description: 'seed of initialisation and sampling (fit({ seed }) overrides it)' }),
})

/** The configuration of {@link MF}: see {@link MF_PARAMS}. */
export type MFConfig = ConfigOf<typeof MF_PARAMS>
/** The configuration of {@link SVDpp}: see {@link SVDPP_PARAMS}. */
export type SVDppConfig = ConfigOf<typeof SVDPP_PARAMS>
/** The configuration of {@link ALS}: see {@link ALS_PARAMS}. */
export type ALSConfig = ConfigOf<typeof ALS_PARAMS>
/** The configuration of {@link BPR}: see {@link BPR_PARAMS}. */
export type BPRConfig = ConfigOf<typeof BPR_PARAMS>

/** Parameters saved under other names before this package followed the shared naming (`renameParams` in `upgradeConfig`). */
export const RENAMED_PARAMS: Readonly<Record<string, string>> = {
  lr: 'learningRate',
  reg: 'l2',
  lrBias: 'learningRateBias',
  regBias: 'l2Bias',
  workers: 'threads',
}
