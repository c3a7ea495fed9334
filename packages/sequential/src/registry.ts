import type { ModelDefinition, ParamSpec, ParamValues } from '@recforge/core'
import { GRU4Rec, GRU4REC_DEFAULTS, type GRU4RecConfig, type GRU4RecLoss } from './gru4rec'
import { SASRec, SASREC_DEFAULTS, type SASRecConfig } from './sasrec'
import type { SequenceOrder, SequentialConfig } from './sequential'

function common(d: Readonly<SequentialConfig>): Record<string, ParamSpec> {
  return {
    factors: { type: 'int', default: d.factors, min: 1, description: 'item embedding and hidden state size' },
    maxLength: { type: 'int', default: d.maxLength, min: 1, description: 'most recent items of a history the model reads' },
    epochs: { type: 'int', default: d.epochs, min: 0, description: 'passes over the training windows' },
    batchSize: { type: 'int', default: d.batchSize, min: 1, description: 'windows per mini-batch' },
    learningRate: { type: 'float', default: d.learningRate, min: 0, description: 'Adam learning rate' },
    dropout: { type: 'float', default: d.dropout, min: 0, max: 0.95, description: 'dropout rate during training' },
    order: { type: 'enum', default: d.order, values: ['time', 'input'], description: 'order histories by timestamp (ties by input order) or by input order' },
    seed: { type: 'int', default: d.seed, description: 'seed of weights, shuffling, negatives and dropout' },
  }
}

function sequentialConfig(p: ParamValues): Partial<SequentialConfig> {
  const c: Partial<SequentialConfig> = {}
  if (p.factors !== undefined) c.factors = p.factors as number
  if (p.maxLength !== undefined) c.maxLength = p.maxLength as number
  if (p.epochs !== undefined) c.epochs = p.epochs as number
  if (p.batchSize !== undefined) c.batchSize = p.batchSize as number
  if (p.learningRate !== undefined) c.learningRate = p.learningRate as number
  if (p.dropout !== undefined) c.dropout = p.dropout as number
  if (p.order !== undefined) c.order = p.order as SequenceOrder
  if (p.seed !== undefined) c.seed = p.seed as number
  return c
}

/**
 * The `gru4rec` registry entry.
 *
 * @example
 * ```ts
 * const model = gru4recModel.create({ epochs: 5 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT from `create` for parameters out of range.
 */
export const gru4recModel: ModelDefinition = {
  name: 'gru4rec',
  description: 'GRU4Rec-style next-item model: item embeddings, a GRU over the last items, BCE or sampled softmax',
  package: '@recforge/sequential',
  task: 'ranking',
  needsTimestamps: true,
  params: {
    ...common(GRU4REC_DEFAULTS),
    loss: { type: 'enum', default: GRU4REC_DEFAULTS.loss, values: ['bce', 'softmax'], description: 'bce: one negative per position; softmax: sampled softmax over shared negatives' },
    negatives: { type: 'int', default: GRU4REC_DEFAULTS.negatives, min: 1, description: 'shared negatives per mini-batch of the softmax objective' },
  },
  create: (p) => {
    const c: Partial<GRU4RecConfig> = sequentialConfig(p)
    if (p.negatives !== undefined) c.negatives = p.negatives as number
    if (p.loss !== undefined) c.loss = p.loss as GRU4RecLoss
    return new GRU4Rec(c)
  },
  load: (a) => GRU4Rec.load(a),
}

/**
 * The `sasrec` registry entry.
 *
 * @example
 * ```ts
 * const model = await sasrecModel.load(artifacts)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT from `create` for parameters out of range; PARSE_ERROR / UNSUPPORTED_VERSION from `load` for damaged or foreign artifacts.
 */
export const sasrecModel: ModelDefinition = {
  name: 'sasrec',
  description: 'SASRec-style next-item model: causal self-attention over the last items, BCE with one negative per position',
  package: '@recforge/sequential',
  task: 'ranking',
  needsTimestamps: true,
  params: {
    ...common(SASREC_DEFAULTS),
    blocks: { type: 'int', default: SASREC_DEFAULTS.blocks, min: 1, description: 'self-attention blocks' },
    heads: { type: 'int', default: SASREC_DEFAULTS.heads, min: 1, description: 'attention heads (must divide factors)' },
  },
  create: (p) => {
    const c: Partial<SASRecConfig> = sequentialConfig(p)
    if (p.blocks !== undefined) c.blocks = p.blocks as number
    if (p.heads !== undefined) c.heads = p.heads as number
    return new SASRec(c)
  },
  load: (a) => SASRec.load(a),
}

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
