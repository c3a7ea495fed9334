import type { ModelDefinition } from '@recforge/core'
import { CFGAN, type CFGANConfig } from './cfgan'
import { IRGAN, type IRGANConfig } from './irgan'

/** The `cfgan` registry entry (CFGAN, Chae et al. 2018). */
export const cfganModel: ModelDefinition = {
  name: 'cfgan',
  description: 'CFGAN (Chae et al. 2018): vector-wise conditional GAN with zero-reconstruction and partial masking',
  package: '@recforge/gan',
  task: 'ranking',
  params: {
    hidden: { type: 'int', default: 128, min: 1, description: 'hidden units of generator and discriminator' },
    epochs: { type: 'int', default: 100, min: 1, description: 'training epochs' },
    batchSize: { type: 'int', default: 64, min: 1, description: 'users per mini-batch' },
    learningRate: { type: 'float', default: 0.001, min: 0, description: 'Adam learning rate' },
    zrRatio: { type: 'float', default: 0.5, min: 0, max: 1, description: 'share of unpurchased items in the zero-reconstruction penalty (S_ZR)' },
    zrWeight: { type: 'float', default: 0.1, min: 0, description: 'weight of the zero-reconstruction penalty (alpha)' },
    pmRatio: { type: 'float', default: 0.5, min: 0, max: 1, description: 'share of unpurchased items shown to the discriminator (S_PM)' },
    l2: { type: 'float', default: 0.00001, min: 0, description: 'L2 penalty on generator weights' },
    seed: { type: 'int', default: 42, description: 'random seed' },
  },
  create: (p) => new CFGAN(p as unknown as Partial<CFGANConfig>),
  load: (a) => CFGAN.load(a),
}

/** The `irgan` registry entry (IRGAN for item ranking, Wang et al. 2017). */
export const irganModel: ModelDefinition = {
  name: 'irgan',
  description: 'IRGAN (Wang et al. 2017): softmax generator trained by policy gradient against a pairwise discriminator',
  package: '@recforge/gan',
  task: 'ranking',
  params: {
    factors: { type: 'int', default: 32, min: 1, description: 'embedding size' },
    epochs: { type: 'int', default: 30, min: 0, description: 'adversarial epochs' },
    pretrainEpochs: { type: 'int', default: 20, min: 0, description: 'maximum-likelihood warm-start epochs of the generator' },
    batchSize: { type: 'int', default: 64, min: 1, description: 'users per mini-batch' },
    generatorLearningRate: { type: 'float', default: 0.005, min: 0, description: 'Adam learning rate of the generator' },
    discriminatorLearningRate: { type: 'float', default: 0.005, min: 0, description: 'Adam learning rate of the discriminator' },
    temperature: { type: 'float', default: 0.5, min: 0, description: 'softmax temperature of the generator' },
    sampleLambda: { type: 'float', default: 0.2, min: 0, max: 1, description: 'share of generator samples drawn from the positives (importance sampling)' },
    l2: { type: 'float', default: 0.00001, min: 0, description: 'L2 penalty on embeddings' },
    seed: { type: 'int', default: 42, description: 'random seed' },
  },
  create: (p) => new IRGAN(p as unknown as Partial<IRGANConfig>),
  load: (a) => IRGAN.load(a),
}

/**
 * The GAN recommenders for the `recforge` registry: `cfgan` and `irgan` (task `ranking`).
 *
 * @example
 * ```ts
 * const registry = new ModelRegistry().register(...ganModels)
 * const { model } = registry.create('cfgan', { epochs: 50 })
 * ```
 */
export const ganModels: readonly ModelDefinition[] = [cfganModel, irganModel]
