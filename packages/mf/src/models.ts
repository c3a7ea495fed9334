import type { ModelArtifacts, ModelDefinition, ParamSpec, ParamValues } from '@recforge/core'
import { ALS } from './als'
import { BPR } from './bpr'
import { MF } from './mf'
import { SVDpp } from './svdpp'

const PKG = '@recforge/mf'

const sgdParams = (factors: number, lr: number): Record<string, ParamSpec> => ({
  factors: { type: 'int', default: factors, min: 1, description: 'number of latent factors' },
  epochs: { type: 'int', default: 20, min: 0, description: 'passes over the training ratings' },
  lr: { type: 'float', default: lr, min: 0, description: 'SGD learning rate (all parameters)' },
  reg: { type: 'float', default: 0.02, min: 0, description: 'L2 penalty per rating (all parameters)' },
  initStd: { type: 'float', default: 0.1, min: 0, description: 'standard deviation of the initial factors' },
  lrDecay: { type: 'float', default: 1, min: 0, max: 1, description: 'learning-rate multiplier after each epoch' },
  validationFraction: { type: 'float', default: 0, min: 0, max: 0.9, description: 'share of training held out for early stopping (0 = off)' },
  patience: { type: 'int', default: 3, min: 1, description: 'epochs without improvement before stopping early' },
  seed: { type: 'int', default: 42, description: 'seed of initialisation and shuffling' },
})

const sgdConfig = (p: ParamValues) => ({
  factors: p.factors as number,
  epochs: p.epochs as number,
  lr: p.lr as number,
  reg: p.reg as number,
  initStd: p.initStd as number,
  lrDecay: p.lrDecay as number,
  validationFraction: p.validationFraction as number,
  patience: p.patience as number,
  seed: p.seed as number,
})

/** Biased MF (`mf`): Surprise-compatible SGD matrix factorisation for rating prediction. */
export const mfModel: ModelDefinition = {
  name: 'mf',
  description: 'Biased matrix factorisation by SGD (Surprise SVD compatible), with lr decay and early stopping',
  package: PKG,
  task: 'rating',
  params: { ...sgdParams(100, 0.005), wasm: { type: 'bool', default: true, description: 'WebAssembly SIMD (float64) SGD epochs when factors is even' } },
  create: (p) => new MF({ ...sgdConfig(p), wasm: p.wasm as boolean }),
  load: (a: ModelArtifacts) => MF.load(a),
}

/** SVD++ (`svdpp`): biased MF with the implicit-feedback term. */
export const svdppModel: ModelDefinition = {
  name: 'svdpp',
  description: 'SVD++ (Koren 2008): biased MF with an implicit-feedback term, SGD',
  package: PKG,
  task: 'rating',
  params: { ...sgdParams(20, 0.007) },
  create: (p) => new SVDpp(sgdConfig(p)),
  load: (a: ModelArtifacts) => SVDpp.load(a),
}

/** Implicit ALS (`als`): confidence-weighted alternating least squares. */
export const alsModel: ModelDefinition = {
  name: 'als',
  description: 'Implicit-feedback ALS with confidence weighting (Hu, Koren & Volinsky 2008), CG or Cholesky',
  package: PKG,
  task: 'ranking',
  params: {
    factors: { type: 'int', default: 64, min: 1, description: 'number of latent factors' },
    iterations: { type: 'int', default: 15, min: 0, description: 'alternating iterations' },
    reg: { type: 'float', default: 0.01, min: 0, description: 'L2 penalty' },
    alpha: { type: 'float', default: 1, min: 0, description: 'confidence scale: c = 1 + alpha * value' },
    solver: { type: 'enum', default: 'cg', values: ['cg', 'cholesky'], description: 'per-row solver' },
    cgSteps: { type: 'int', default: 3, min: 1, description: 'conjugate-gradient steps per row' },
    wasm: { type: 'bool', default: true, description: 'WebAssembly SIMD (float32) kernel for cg when factors % 4 == 0' },
    workers: { type: 'int', default: 0, min: 0, description: 'worker threads (0 = one per core for large data)' },
    seed: { type: 'int', default: 42, description: 'seed of the initial factors' },
  },
  create: (p) =>
    new ALS({
      factors: p.factors as number,
      iterations: p.iterations as number,
      reg: p.reg as number,
      alpha: p.alpha as number,
      solver: p.solver as 'cg' | 'cholesky',
      cgSteps: p.cgSteps as number,
      wasm: p.wasm as boolean,
      workers: p.workers as number,
      seed: p.seed as number,
    }),
  load: (a: ModelArtifacts) => ALS.load(a),
}

/** BPR (`bpr`): Bayesian Personalised Ranking by SGD. */
export const bprModel: ModelDefinition = {
  name: 'bpr',
  description: 'Bayesian Personalised Ranking (Rendle et al. 2009) with uniform or popularity-aware negatives',
  package: PKG,
  task: 'ranking',
  params: {
    factors: { type: 'int', default: 64, min: 1, description: 'number of latent factors' },
    epochs: { type: 'int', default: 100, min: 0, description: 'epochs (each draws one triple per interaction)' },
    lr: { type: 'float', default: 0.05, min: 0, description: 'SGD learning rate' },
    reg: { type: 'float', default: 0.01, min: 0, description: 'L2 penalty' },
    sampling: { type: 'enum', default: 'uniform', values: ['uniform', 'popularity'], description: 'negative sampling' },
    popularityExponent: { type: 'float', default: 0.75, min: 0, description: 'exponent of popularity-aware sampling' },
    wasm: { type: 'bool', default: true, description: 'WebAssembly SIMD (float32) step kernels when factors % 4 == 0' },
    workers: { type: 'int', default: 0, min: 0, description: 'worker threads (0 = one per core for large data)' },
    seed: { type: 'int', default: 42, description: 'seed of initialisation and sampling' },
  },
  create: (p) =>
    new BPR({
      factors: p.factors as number,
      epochs: p.epochs as number,
      lr: p.lr as number,
      reg: p.reg as number,
      sampling: p.sampling as 'uniform' | 'popularity',
      popularityExponent: p.popularityExponent as number,
      wasm: p.wasm as boolean,
      workers: p.workers as number,
      seed: p.seed as number,
    }),
  load: (a: ModelArtifacts) => BPR.load(a),
}

/**
 * The models of this package for the `recforge` registry: `mf`, `svdpp`, `als`, `bpr`.
 *
 * @example
 * ```ts
 * const registry = new ModelRegistry().register(...mfModels)
 * const { model } = registry.create('als', { factors: 32 })
 * ```
 */
export const mfModels: readonly ModelDefinition[] = [mfModel, svdppModel, alsModel, bprModel]
