import { defineModel, type ModelDefinition } from '@recforge/core'
import { ALS } from './als'
import { BPR } from './bpr'
import { MF } from './mf'
import { ALS_PARAMS, BPR_PARAMS, MF_PARAMS, SVDPP_PARAMS } from './params'
import { SVDpp } from './svdpp'

const PKG = '@recforge/mf'

/** Biased MF (`mf`): Surprise-compatible SGD matrix factorisation for rating prediction. */
export const mfModel: ModelDefinition = defineModel({
  name: 'mf',
  description: 'Biased matrix factorisation by SGD (Surprise SVD compatible), with learning-rate decay and early stopping',
  package: PKG,
  task: 'rating',
  params: MF_PARAMS,
  create: (c) => new MF(c),
  load: (a) => MF.load(a),
})

/** SVD++ (`svdpp`): biased MF with the implicit-feedback term. */
export const svdppModel: ModelDefinition = defineModel({
  name: 'svdpp',
  description: 'SVD++ (Koren 2008): biased MF with an implicit-feedback term, SGD',
  package: PKG,
  task: 'rating',
  params: SVDPP_PARAMS,
  create: (c) => new SVDpp(c),
  load: (a) => SVDpp.load(a),
})

/** Implicit ALS (`als`): confidence-weighted alternating least squares. */
export const alsModel: ModelDefinition = defineModel({
  name: 'als',
  description: 'Implicit-feedback ALS with confidence weighting (Hu, Koren & Volinsky 2008), CG or Cholesky',
  package: PKG,
  task: 'ranking',
  params: ALS_PARAMS,
  create: (c) => new ALS(c),
  load: (a) => ALS.load(a),
})

/** BPR (`bpr`): Bayesian Personalised Ranking by SGD. */
export const bprModel: ModelDefinition = defineModel({
  name: 'bpr',
  description: 'Bayesian Personalised Ranking (Rendle et al. 2009) with uniform or popularity-aware negatives',
  package: PKG,
  task: 'ranking',
  params: BPR_PARAMS,
  create: (c) => new BPR(c),
  load: (a) => BPR.load(a),
})

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
