import { defineModel, type ModelDefinition } from '@recforge/core'
import { GMF, MLP, NeuMF } from './ncf'
import { GMF_PARAMS, MLP_PARAMS, NEUMF_PARAMS } from './params'

const PKG = '@recforge/ncf'

/** `gmf`: generalized matrix factorization (He et al. 2017). */
export const gmfModel: ModelDefinition = defineModel({ name: 'gmf', task: 'ranking', params: GMF_PARAMS, model: GMF, package: PKG, description: 'Generalized matrix factorization (He et al. 2017) on TensorFlow.js' })

/** `mlp`: the NCF multi-layer perceptron (He et al. 2017). */
export const mlpModel: ModelDefinition = defineModel({ name: 'mlp', task: 'ranking', params: MLP_PARAMS, model: MLP, package: PKG, description: 'NCF multi-layer perceptron (He et al. 2017) on TensorFlow.js' })

/** `neumf`: neural matrix factorization, GMF + MLP (He et al. 2017). */
export const neumfModel: ModelDefinition = defineModel({ name: 'neumf', task: 'ranking', params: NEUMF_PARAMS, model: NeuMF, package: PKG, description: 'Neural matrix factorization, GMF + MLP (He et al. 2017) on TensorFlow.js' })

/**
 * The NCF models for the `recforge` registry: `gmf`, `mlp`, `neumf` (He et al. 2017).
 *
 * @example
 * ```ts
 * new ModelRegistry().register(...ncfModels).create('neumf', { epochs: '10' })
 * ```
 */
export const ncfModels: readonly ModelDefinition[] = [gmfModel, mlpModel, neumfModel]
