import type { ModelDefinition, ParamSpec, ParamValues } from '@recforge/core'
import { GMF, MLP, NCF_DEFAULTS, NeuMF, parseLayers, type NCFConfig, type NCFObjective } from './ncf'

const common: Record<string, ParamSpec> = {
  epochs: { type: 'int', default: NCF_DEFAULTS.epochs, description: 'passes over the training data', min: 0 },
  batchSize: { type: 'int', default: NCF_DEFAULTS.batchSize, description: 'rows per mini-batch', min: 1 },
  learningRate: { type: 'float', default: NCF_DEFAULTS.learningRate, description: 'Adam learning rate', min: 0 },
  negatives: { type: 'int', default: NCF_DEFAULTS.negatives, description: 'sampled negatives per positive (implicit objective)', min: 0 },
  objective: { type: 'enum', default: NCF_DEFAULTS.objective, values: ['implicit', 'explicit'], description: 'implicit: BCE with sampled negatives; explicit: MSE on ratings' },
  seed: { type: 'int', default: NCF_DEFAULTS.seed, description: 'seed of weights, negatives and shuffling' },
  l2: { type: 'float', default: NCF_DEFAULTS.l2, description: 'L2 weight decay on the embeddings of each batch and the dense weights', min: 0 },
}
const factors: ParamSpec = { type: 'int', default: NCF_DEFAULTS.factors, description: 'GMF embedding size', min: 1 }
const layers: ParamSpec = { type: 'string', default: NCF_DEFAULTS.layers.join(','), description: 'MLP layer sizes; the first is the concatenated embedding size' }

function config(p: ParamValues): Partial<NCFConfig> {
  const c: Partial<NCFConfig> = {
    epochs: p.epochs as number,
    batchSize: p.batchSize as number,
    learningRate: p.learningRate as number,
    negatives: p.negatives as number,
    objective: p.objective as NCFObjective,
    seed: p.seed as number,
    l2: p.l2 as number,
  }
  if (p.factors !== undefined) c.factors = p.factors as number
  if (p.layers !== undefined) c.layers = parseLayers(String(p.layers))
  if (p.pretrainEpochs !== undefined) c.pretrainEpochs = p.pretrainEpochs as number
  if (p.alpha !== undefined) c.alpha = p.alpha as number
  return c
}

/**
 * The NCF models for the `recforge` registry: `gmf`, `mlp`, `neumf` (He et al. 2017).
 *
 * @example
 * ```ts
 * new ModelRegistry().register(...ncfModels).create('neumf', { epochs: '10' })
 * ```
 */
export const ncfModels: readonly ModelDefinition[] = [
  {
    name: 'gmf',
    description: 'Generalized matrix factorization (He et al. 2017) on TensorFlow.js',
    package: '@recforge/ncf',
    task: 'ranking',
    params: { factors, ...common },
    create: (p) => new GMF(config(p)),
    load: (a) => GMF.load(a),
  },
  {
    name: 'mlp',
    description: 'NCF multi-layer perceptron (He et al. 2017) on TensorFlow.js',
    package: '@recforge/ncf',
    task: 'ranking',
    params: { layers, ...common },
    create: (p) => new MLP(config(p)),
    load: (a) => MLP.load(a),
  },
  {
    name: 'neumf',
    description: 'Neural matrix factorization, GMF + MLP (He et al. 2017) on TensorFlow.js',
    package: '@recforge/ncf',
    task: 'ranking',
    params: {
      factors,
      layers,
      ...common,
      pretrainEpochs: { type: 'int', default: NCF_DEFAULTS.pretrainEpochs, description: 'epochs of GMF and MLP pretraining that initialise NeuMF (0: random start)', min: 0 },
      alpha: { type: 'float', default: NCF_DEFAULTS.alpha, description: 'weight of the pretrained GMF output layer', min: 0, max: 1 },
    },
    create: (p) => new NeuMF(config(p)),
    load: (a) => NeuMF.load(a),
  },
]
