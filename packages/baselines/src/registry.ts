import { defineModel, type ModelDefinition } from '@recforge/core'
import { EASE, type EASEConfig } from './ease'
import { ItemKNN, type ItemKNNConfig } from './itemknn'
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
export const itemKnnModel: ModelDefinition = {
  name: 'itemknn',
  description: 'Item-based kNN with cosine, adjusted-cosine or conditional-probability similarity and shrinkage',
  package: PKG,
  task: 'both',
  params: {
    neighbors: { type: 'int', default: 100, min: 1, description: 'neighbours kept per item' },
    similarity: { type: 'enum', default: 'cosine', values: ['cosine', 'adjusted-cosine', 'conditional'], description: 'item-item similarity' },
    shrink: { type: 'float', default: 10, min: 0, description: 'shrinkage added to the similarity denominator' },
    binary: { type: 'bool', default: false, description: 'treat every interaction as 1 (ranking task only)' },
    task: { type: 'enum', default: 'ranking', values: ['ranking', 'rating'], description: 'ranking scores or predicted ratings' },
    damping: { type: 'float', default: 5, min: 0, description: 'damping of the baseline means (rating task)' },
    threads: { type: 'int', default: 0, min: 0, max: 64, description: 'threads for the similarity computation (0 = one per core)' },
  },
  create: (p) =>
    new ItemKNN({
      neighbors: p.neighbors as number,
      similarity: p.similarity as ItemKNNConfig['similarity'],
      shrink: p.shrink as number,
      binary: p.binary as boolean,
      task: p.task as ItemKNNConfig['task'],
      damping: p.damping as number,
      threads: p.threads as number,
    }),
  load: (a) => ItemKNN.load(a),
}

/** `ease`: EASE, the closed-form linear item-item autoencoder. */
export const easeModel: ModelDefinition = {
  name: 'ease',
  description: 'EASE (Steck 2019): closed-form item-item weights B = I - P diag(1/diag(P)), P = (X^T X + lambda I)^-1',
  package: PKG,
  task: 'ranking',
  params: {
    lambda: { type: 'float', default: 500, min: 0, description: 'L2 penalty on the diagonal (must be > 0)' },
    maxItems: { type: 'int', default: 0, min: 0, description: 'model only the most popular items (0 = all)' },
    binary: { type: 'bool', default: true, description: 'treat every interaction as 1' },
    precision: { type: 'enum', default: 'float64', values: ['float64', 'float32'], description: 'working precision of the inversion' },
    threads: { type: 'int', default: 0, min: 0, max: 64, description: 'threads for the Gram matrix and inversion (0 = one per core)' },
    solver: { type: 'enum', default: 'auto', values: ['auto', 'items', 'users'], description: 'invert the item Gram matrix, or the user Gram matrix through the Woodbury identity (auto: the cheaper)' },
  },
  create: (p) =>
    new EASE({
      lambda: p.lambda as number,
      maxItems: p.maxItems as number,
      binary: p.binary as boolean,
      precision: p.precision as EASEConfig['precision'],
      threads: p.threads as number,
      solver: p.solver as EASEConfig['solver'],
    }),
  load: (a) => EASE.load(a),
}

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
