import { defineModel, type ModelDefinition } from '@recforge/core'
import { BIAS_PARAMS, Bias } from './bias'
import { EASE, EASE_PARAMS } from './ease'
import { ITEMKNN_PARAMS, ItemKNN } from './itemknn'
import { POP_PARAMS, Popularity } from './pop'

const PKG = '@recforge/baselines'

/** `pop`: most-popular items, optionally weighted and recency-decayed. */
export const popModel: ModelDefinition = defineModel({ name: 'pop', task: 'ranking', params: POP_PARAMS, model: Popularity, package: PKG, description: 'Most popular items (interaction counts, optionally value-weighted and recency-decayed)' })

/** `itemknn`: item-based k-nearest neighbours. */
export const itemKnnModel: ModelDefinition = defineModel({ name: 'itemknn', task: 'both', params: ITEMKNN_PARAMS, model: ItemKNN, package: PKG, description: 'Item-based kNN with cosine, adjusted-cosine or conditional-probability similarity and shrinkage' })

/** `ease`: EASE, the closed-form linear item-item autoencoder. */
export const easeModel: ModelDefinition = defineModel({ name: 'ease', task: 'ranking', params: EASE_PARAMS, model: EASE, package: PKG, description: 'EASE (Steck 2019): closed-form item-item weights B = I - P diag(1/diag(P)), P = (X^T X + lambda I)^-1' })

/** `bias`: the baseline predictor, global mean plus user and item biases. */
export const biasModel: ModelDefinition = defineModel({ name: 'bias', task: 'rating', params: BIAS_PARAMS, model: Bias, package: PKG, description: 'Baseline predictor (Koren 2010): global mean + user bias + item bias by alternating regularised least squares' })

/**
 * The models of this package, for registering with the `recforge` command line by name.
 *
 * @example
 * ```ts
 * const registry = new ModelRegistry().register(...baselinesModels)
 * const { model } = registry.create('ease', { lambda: 200 })
 * ```
 */
export const baselinesModels: readonly ModelDefinition[] = [popModel, itemKnnModel, easeModel, biasModel]
