import { RecForgeError, defineParams, param, type ConfigOf } from '@recforge/core'

/** Which NCF network: generalized matrix factorization, the multi-layer perceptron, or their fusion. */
export type NCFKind = 'gmf' | 'mlp' | 'neumf'

/** What the network is trained for. */
export type NCFObjective = 'implicit' | 'explicit'

/** The GMF embedding size; its default differs per model (see the README's tuning evidence). */
const factorsParam = (defaultFactors: number) => param.int({ default: defaultFactors, min: 1, description: 'size of the GMF user and item embeddings' })
const layers = param.ints({
  default: [64, 32, 16, 8],
  min: 1,
  description: 'MLP layer sizes: the first (even) is the concatenated user+item embedding size, half each; the rest are ReLU layers',
})

/**
 * The training parameters every NCF model has (the learning rate's default from the README's
 * "Defaults, from tuning"; the paper used 0.001).
 */
const TRAINING_PARAMS = {
  epochs: param.int({ default: 20, min: 0, description: 'passes over the training data' }),
  batchSize: param.int({ default: 256, min: 1, description: 'rows (positives and sampled negatives) per mini-batch' }),
  learningRate: param.float({ default: 0.0005, min: 0, exclusiveMin: true, description: 'Adam step size' }),
  negatives: param.int({ default: 4, min: 0, description: 'sampled unseen items per positive, drawn anew each epoch (implicit objective)' }),
  objective: param.enumOf({
    values: ['implicit', 'explicit'],
    default: 'implicit',
    description: 'implicit: binary cross-entropy with sampled negatives, scores are logits; explicit: mean squared error on the ratings',
  }),
  seed: param.int({ default: 42, description: 'seed of initial weights, negatives and shuffling (fit({ seed }) overrides it)' }),
  l2: param.float({ default: 0, min: 0, description: 'weight decay added to the gradient (l2 × weight) on the batch\'s embedding rows and all dense weights (0 = none)' }),
}

/** The parameters of {@link GMF} (`gmf`). */
export const GMF_PARAMS = defineParams({ factors: factorsParam(64), ...TRAINING_PARAMS })

/** The parameters of {@link MLP} (`mlp`). */
export const MLP_PARAMS = defineParams({ layers, ...TRAINING_PARAMS })

/** The parameters of {@link NeuMF} (`neumf`). */
export const NEUMF_PARAMS = defineParams({
  factors: factorsParam(16),
  layers,
  ...TRAINING_PARAMS,
  pretrainEpochs: param.int({ default: 0, min: 0, description: 'epochs of GMF and of MLP training whose weights initialise NeuMF (He et al. 2017, 3.4.1; 0 = random start)' }),
  alpha: param.float({ default: 0.5, min: 0, max: 1, description: 'weight of the pretrained GMF output layer against the MLP one' }),
})

/** The configuration of {@link GMF}: see {@link GMF_PARAMS}. */
export type GMFConfig = ConfigOf<typeof GMF_PARAMS>
/** The configuration of {@link MLP}: see {@link MLP_PARAMS}. */
export type MLPConfig = ConfigOf<typeof MLP_PARAMS>
/** The configuration of {@link NeuMF}: see {@link NEUMF_PARAMS}. */
export type NeuMFConfig = ConfigOf<typeof NEUMF_PARAMS>
/** The configuration of any NCF model. */
export type NCFConfig = GMFConfig | MLPConfig | NeuMFConfig
/** The training parameters shared by the three models. */
export type NCFTrainingConfig = ConfigOf<typeof TRAINING_PARAMS>

/** The training parameters of a config (what a pretraining GMF or MLP inherits from NeuMF). */
export function trainingConfig(c: NCFTrainingConfig): NCFTrainingConfig {
  const { epochs, batchSize, learningRate, negatives, objective, seed, l2 } = c
  return { epochs, batchSize, learningRate, negatives, objective, seed, l2 }
}

/** The network sizes of a model: GMF factors (0 without a GMF part) and MLP layers (empty without an MLP part). */
export interface NetworkShape {
  readonly kind: NCFKind
  readonly factors: number
  readonly layers: readonly number[]
}

/**
 * The network sizes of a resolved config, checking what the schema cannot: the first MLP layer
 * is split evenly between the user and the item embedding.
 *
 * @throws RecForgeError INVALID_ARGUMENT for an odd first layer, naming the parameter.
 */
export function networkShape(kind: NCFKind, c: NCFConfig): NetworkShape {
  const f = 'factors' in c ? c.factors : 0
  const l = 'layers' in c ? c.layers : []
  if (l.length > 0 && l[0]! % 2 !== 0) {
    throw new RecForgeError('INVALID_ARGUMENT', `${kind}: parameter "layers" must start with an even size (the concatenated user+item embedding, half each), e.g. 64,32,16,8; got ${l.join(',')}`)
  }
  return { kind, factors: f, layers: l }
}

/**
 * Saved configs of format 1 hold every parameter of all three models; each model keeps its own
 * and drops these, so files saved before the models had separate schemas still load.
 */
export const FOREIGN_V1_KEYS: Readonly<Record<NCFKind, readonly string[]>> = {
  gmf: ['layers', 'pretrainEpochs', 'alpha'],
  mlp: ['factors', 'pretrainEpochs', 'alpha'],
  neumf: [],
}
