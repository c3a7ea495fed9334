import { defineModel, type ModelDefinition } from '@recforge/core'
import { CFGAN, CFGAN_PARAMS } from './cfgan'
import { IRGAN, IRGAN_PARAMS } from './irgan'

/** The `cfgan` registry entry (CFGAN, Chae et al. 2018). */
export const cfganModel: ModelDefinition = defineModel({ name: 'cfgan', task: 'ranking', params: CFGAN_PARAMS, model: CFGAN, package: '@recforge/gan', description: 'CFGAN (Chae et al. 2018): vector-wise conditional GAN with zero-reconstruction and partial masking' })

/** The `irgan` registry entry (IRGAN for item ranking, Wang et al. 2017). */
export const irganModel: ModelDefinition = defineModel({ name: 'irgan', task: 'ranking', params: IRGAN_PARAMS, model: IRGAN, package: '@recforge/gan', description: 'IRGAN (Wang et al. 2017): softmax generator trained by policy gradient against a pairwise discriminator' })

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
