import { defineModel, type ModelDefinition } from '@recforge/core'
import { ALS } from './als'
import { BPR } from './bpr'
import { MF } from './mf'
import { ALS_PARAMS, BPR_PARAMS, MF_PARAMS, SVDPP_PARAMS } from './params'
import { SVDpp } from './svdpp'

const PKG = '@recforge/mf'

/** Biased MF (`mf`): Surprise-compatible SGD matrix factorisation for rating prediction. */
export const mfModel: ModelDefinition = defineModel({ name: 'mf', task: 'rating', params: MF_PARAMS, model: MF, package: PKG, description: 'Biased matrix factorisation by SGD (Surprise SVD compatible), with learning-rate decay and early stopping' })

/** SVD++ (`svdpp`): biased MF with the implicit-feedback term. */
export const svdppModel: ModelDefinition = defineModel({ name: 'svdpp', task: 'rating', params: SVDPP_PARAMS, model: SVDpp, package: PKG, description: 'SVD++ (Koren 2008): biased MF with an implicit-feedback term, SGD' })

/** Implicit ALS (`als`): confidence-weighted alternating least squares. */
export const alsModel: ModelDefinition = defineModel({ name: 'als', task: 'ranking', params: ALS_PARAMS, model: ALS, package: PKG, description: 'Implicit-feedback ALS with confidence weighting (Hu, Koren & Volinsky 2008), CG or Cholesky' })

/** BPR (`bpr`): Bayesian Personalised Ranking by SGD. */
export const bprModel: ModelDefinition = defineModel({ name: 'bpr', task: 'ranking', params: BPR_PARAMS, model: BPR, package: PKG, description: 'Bayesian Personalised Ranking (Rendle et al. 2009) with uniform or popularity-aware negatives' })

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
