import { defineModel, type ModelDefinition } from '@recforge/core'
import { DPMF, DPMF_PARAMS } from './dpmf'
import { DPPOP_PARAMS, DPPopularity } from './dppop'
import { FEDMF_PARAMS, FederatedMF } from './fedmf'

const PKG = '@recforge/privacy'

/** `dpmf`: biased MF trained with DP-SGD, reporting the (ε, δ) it spent. */
export const dpmfModel: ModelDefinition = defineModel({
  name: 'dpmf',
  description: 'Biased MF trained with DP-SGD (Poisson batches, per-rating or per-user clipping, Gaussian noise, RDP accountant)',
  package: PKG,
  task: 'rating',
  params: DPMF_PARAMS,
  create: (c) => new DPMF(c),
  load: (a) => DPMF.load(a),
})

/** `dppop`: most-popular items from Laplace- or Gaussian-noised counts. */
export const dppopModel: ModelDefinition = defineModel({
  name: 'dppop',
  description: 'Most popular items from differentially private counts (Laplace or analytic Gaussian noise, per rating or per user)',
  package: PKG,
  task: 'ranking',
  params: DPPOP_PARAMS,
  create: (c) => new DPPopularity(c),
  load: (a) => DPPopularity.load(a),
})

/** `fedmf`: federated biased MF with user-level DP-FedAvg, simulated with one client object per user. */
export const fedmfModel: ModelDefinition = defineModel({
  name: 'fedmf',
  description: 'Federated biased MF (simulated clients fit their own vectors; DP-FedAvg server with clipping, Gaussian noise and an RDP accountant, per user)',
  package: PKG,
  task: 'rating',
  params: FEDMF_PARAMS,
  create: (c) => new FederatedMF(c),
  load: (a) => FederatedMF.load(a),
})

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
