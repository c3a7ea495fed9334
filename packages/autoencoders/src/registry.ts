import { defineModel, type ModelDefinition } from '@recforge/core'
import { AUTOREC_PARAMS, AutoRec } from './autorec'
import { MULTDAE_PARAMS, MULTVAE_PARAMS, MultDAE, MultVAE } from './mult'

const PKG = '@recforge/autoencoders'

/** `multvae`: Mult-VAE (Liang et al. 2018). */
export const multVaeModel: ModelDefinition = defineModel({ name: 'multvae', task: 'ranking', params: MULTVAE_PARAMS, model: MultVAE, package: PKG, description: 'Mult-VAE (Liang et al. 2018): variational autoencoder with multinomial likelihood, annealed KL, input dropout; folds in new users' })

/** `multdae`: Mult-DAE (Liang et al. 2018). */
export const multDaeModel: ModelDefinition = defineModel({ name: 'multdae', task: 'ranking', params: MULTDAE_PARAMS, model: MultDAE, package: PKG, description: 'Mult-DAE (Liang et al. 2018): denoising autoencoder with multinomial likelihood and input dropout; folds in new users' })

/** `autorec`: I-AutoRec (Sedhain et al. 2015) for rating prediction. */
export const autoRecModel: ModelDefinition = defineModel({ name: 'autorec', task: 'rating', params: AUTOREC_PARAMS, model: AutoRec, package: PKG, description: 'I-AutoRec (Sedhain et al. 2015): item-based autoencoder of ratings, squared error on observed entries only, L2' })

/**
 * The models of this package, for registering with the `recforge` command line by name.
 *
 * @example
 * ```ts
 * const registry = new ModelRegistry().register(...autoencoderModels)
 * const { model } = registry.create('multvae', { epochs: 50 })
 * ```
 */
export const autoencoderModels: readonly ModelDefinition[] = [multVaeModel, multDaeModel, autoRecModel]
