import { defineModel, type ModelDefinition } from '@recforge/core'
import { DPMF, DPMF_PARAMS } from './dpmf'
import { DPPOP_PARAMS, DPPopularity } from './dppop'
import { FEDMF_PARAMS, FederatedMF } from './fedmf'

const PKG = '@recforge/privacy'

/** `dpmf`: biased MF trained with DP-SGD, reporting the (ε, δ) it spent. */
export const dpmfModel: ModelDefinition = defineModel({ name: 'dpmf', task: 'rating', params: DPMF_PARAMS, model: DPMF, package: PKG, description: 'Biased MF trained with DP-SGD (Poisson batches, per-rating or per-user clipping, Gaussian noise, RDP accountant)' })

/** `dppop`: most-popular items from Laplace- or Gaussian-noised counts. */
export const dppopModel: ModelDefinition = defineModel({ name: 'dppop', task: 'ranking', params: DPPOP_PARAMS, model: DPPopularity, package: PKG, description: 'Most popular items from differentially private counts (Laplace or analytic Gaussian noise, per rating or per user)' })

/** `fedmf`: federated biased MF with user-level DP-FedAvg, simulated with one client object per user. */
export const fedmfModel: ModelDefinition = defineModel({ name: 'fedmf', task: 'rating', params: FEDMF_PARAMS, model: FederatedMF, package: PKG, description: 'Federated biased MF (simulated clients fit their own vectors; DP-FedAvg server with clipping, Gaussian noise and an RDP accountant, per user)' })

/**
 * The models of this package, for registering with the `recforge` command line by name.
 *
 * @example
 * ```ts
 * const registry = new ModelRegistry().register(...privacyModels)
 * const { model } = registry.create('dpmf', { epsilon: 1 })
 * ```
 */
export const privacyModels: readonly ModelDefinition[] = [dpmfModel, dppopModel, fedmfModel]
