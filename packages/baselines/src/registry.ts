import { defineModel, type ModelDefinition } from '@recforge/core'
import { EASE, EASE_PARAMS } from './ease'
import { ITEMKNN_PARAMS, ItemKNN } from './itemknn'
import { POP_PARAMS, Popularity } from './pop'

const PKG = '@recforge/baselines'

/** `pop`: most-popular items, optionally weighted and recency-decayed. */
export const popModel: ModelDefinition = defineModel({
  name: 'pop',
  description: 'Most popular items (interaction counts, optionally value-weighted and recency-decayed)',
  package: PKG,
  task: 'ranking',
  params: POP_PARAMS,
  create: (c) => new Popularity(c),
  load: (a) => Popularity.load(a),
})

/** `itemknn`: item-based k-nearest neighbours. */
export const itemKnnModel: ModelDefinition = defineModel({
  name: 'itemknn',
  description: 'Item-based kNN with cosine, adjusted-cosine or conditional-probability similarity and shrinkage',
  package: PKG,
  task: 'both',
  params: ITEMKNN_PARAMS,
  create: (c) => new ItemKNN(c),
  load: (a) => ItemKNN.load(a),
})

/** `ease`: EASE, the closed-form linear item-item autoencoder. */
export const easeModel: ModelDefinition = defineModel({
  name: 'ease',
  description: 'EASE (Steck 2019): closed-form item-item weights B = I - P diag(1/diag(P)), P = (X^T X + lambda I)^-1',
  package: PKG,
  task: 'ranking',
  params: EASE_PARAMS,
  create: (c) => new EASE(c),
  load: (a) => EASE.load(a),
})

/**
 * The models of this package, for registering with the `recforge` command line by name.
 *
 * @example
 * ```ts
 * const registry = new ModelRegistry().register(...baselinesModels)
 * const { model } = registry.create('ease', { lambda: 200 })
 * ```
 */
export const baselinesModels: readonly ModelDefinition[] = [popModel, itemKnnModel, easeModel]
