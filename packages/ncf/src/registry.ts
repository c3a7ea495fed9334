import { defineModel, type ModelDefinition } from '@recforge/core'
import { GMF, MLP, NeuMF } from './ncf'
import { GMF_PARAMS, MLP_PARAMS, NEUMF_PARAMS } from './params'

const PKG = '@recforge/ncf'

/** `gmf`: generalized matrix factorization (He et al. 2017). */
export const gmfModel: ModelDefinition = defineModel({
  name: 'gmf',
  description: 'Generalized matrix factorization (He et al. 2017) on TensorFlow.js',
  package: PKG,
  task: 'ranking',
  params: GMF_PARAMS,
  create: (c) => new GMF(c),
  load: (a) => GMF.load(a),
})

/** `mlp`: the NCF multi-layer perceptron (He et al. 2017). */
export const mlpModel: ModelDefinition = defineModel({
  name: 'mlp',
  description: 'NCF multi-layer perceptron (He et al. 2017) on TensorFlow.js',
  package: PKG,
  task: 'ranking',
  params: MLP_PARAMS,
  create: (c) => new MLP(c),
  load: (a) => MLP.load(a),
})

/** `neumf`: neural matrix factorization, GMF + MLP (He et al. 2017). */
export const neumfModel: ModelDefinition = defineModel({
  name: 'neumf',
  description: 'Neural matrix factorization, GMF + MLP (He et al. 2017) on TensorFlow.js',
  package: PKG,
  task: 'ranking',
  params: NEUMF_PARAMS,
  create: (c) => new NeuMF(c),
  load: (a) => NeuMF.load(a),
})

/**
 * The NCF models for the `recforge` registry: `gmf`, `mlp`, `neumf` (He et al. 2017).
 *
 * @example
 * ```ts
 * new ModelRegistry().register(...ncfModels).create('neumf', { epochs: '10' })
 * ```
 */
export const ncfModels: readonly ModelDefinition[] = [gmfModel, mlpModel, neumfModel]
