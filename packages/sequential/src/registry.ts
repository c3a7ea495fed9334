import { defineModel, type ModelDefinition } from '@recforge/core'
import { GRU4Rec, GRU4REC_PARAMS } from './gru4rec'
import { SASRec, SASREC_PARAMS } from './sasrec'

/**
 * The `gru4rec` registry entry.
 *
 * @example
 * ```ts
 * const model = gru4recModel.create({ ...defaultConfig(GRU4REC_PARAMS), epochs: 5 })
 * ```
 */
export const gru4recModel: ModelDefinition = defineModel({ name: 'gru4rec', task: 'ranking', needsTimestamps: true, params: GRU4REC_PARAMS, model: GRU4Rec, package: '@recforge/sequential', description: 'GRU4Rec-style next-item model: item embeddings, a GRU or LSTM over the last items, BCE or sampled softmax' })

/**
 * The `sasrec` registry entry.
 *
 * @example
 * ```ts
 * const model = await sasrecModel.load(artifacts)
 * ```
 */
export const sasrecModel: ModelDefinition = defineModel({ name: 'sasrec', task: 'ranking', needsTimestamps: true, params: SASREC_PARAMS, model: SASRec, package: '@recforge/sequential', description: 'SASRec-style next-item model: causal self-attention over the last items, BCE with one negative per position' })

/**
 * The sequential recommenders for the `recforge` registry: `gru4rec` and `sasrec` (task
 * `ranking`, `needsTimestamps`).
 *
 * @example
 * ```ts
 * const registry = new ModelRegistry().register(...sequentialModels)
 * const { model } = registry.create('sasrec', { epochs: 10 })
 * ```
 * @throws never
 */
export const sequentialModels: readonly ModelDefinition[] = [gru4recModel, sasrecModel]
