import { defineModel, type ModelDefinition } from '@recforge/core'
import { LIGHTGCN_PARAMS, LightGCN } from './lightgcn'

/** `lightgcn`: LightGCN (He et al. 2020), BPR over the normalised user-item graph. */
export const lightGcnModel: ModelDefinition = defineModel({ name: 'lightgcn', task: 'ranking', params: LIGHTGCN_PARAMS, model: LightGCN, package: '@recforge/graph', description: 'LightGCN (He et al. 2020): embeddings propagated over the normalised user-item graph, layer mean, BPR with Adam' })

/**
 * The models of this package, for registering with the `recforge` command line by name.
 *
 * @example
 * ```ts
 * const registry = new ModelRegistry().register(...graphModels)
 * const { model } = registry.create('lightgcn', { layers: 2 })
 * ```
 */
export const graphModels: readonly ModelDefinition[] = [lightGcnModel]
