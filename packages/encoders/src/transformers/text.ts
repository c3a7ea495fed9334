import { defineParams, param, type ConfigOf } from '@recforge/core'
import { BatchedEncoder, requireStrings } from '../internal/batched'
import { TRANSFORMERS_COMMON_PARAMS, modelIdOf, openPipeline, resolveLoadOptions, type OutputTensor, type TransformersLoadOptions } from './shared'

/** The parameters of {@link loadTransformersTextEncoder}. */
export const TRANSFORMERS_TEXT_PARAMS = defineParams({
  model: param.string({ default: 'Xenova/all-MiniLM-L6-v2', description: 'hugging face model id, or a folder name under localModelPath' }),
  pooling: param.enumOf({
    values: ['mean', 'cls'],
    default: 'mean',
    description: 'how token vectors become one: the mean over real tokens (sentence-transformers) or the first token (cls, e.g. bge)',
  }),
  prefix: param.string({ default: '', description: "text put before every input, e.g. 'passage: ' for e5 models" }),
  ...TRANSFORMERS_COMMON_PARAMS,
})

/** The configuration of {@link loadTransformersTextEncoder}: see {@link TRANSFORMERS_TEXT_PARAMS}. */
export type TransformersTextConfig = ConfigOf<typeof TRANSFORMERS_TEXT_PARAMS>

/** What {@link loadTransformersTextEncoder} takes: any of its parameters, and where the model comes from. */
export type TransformersTextOptions = Partial<TransformersTextConfig> & TransformersLoadOptions

interface FeaturePipeline {
  (texts: string[], options: { pooling: string; normalize: boolean }): Promise<OutputTensor>
  dispose(): Promise<void>
}

/**
 * A sentence encoder on transformers.js (ONNX Runtime): the feature-extraction pipeline with mean
 * or CLS pooling and L2 normalisation, batched. Create it with {@link loadTransformersTextEncoder}.
 *
 * @example
 * ```ts
 * const enc = await loadTransformersTextEncoder({ model: 'Xenova/all-MiniLM-L6-v2' })
 * const v = await enc.encode(['a heist film']) // 1 × 384
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for non-string input; NOT_FITTED after dispose.
 */
export class TransformersTextEncoder extends BatchedEncoder<string, TransformersTextConfig> {
  private readonly pipe: FeaturePipeline

  /** @internal Use {@link loadTransformersTextEncoder}. */
  constructor(parts: { pipe: FeaturePipeline; modelId: string; dimensions: number; config: TransformersTextConfig }) {
    super({ label: 'TransformersTextEncoder', ...parts })
    this.pipe = parts.pipe
  }

  protected async encodeBatch(batch: readonly string[], start: number): Promise<Float32Array> {
    requireStrings(batch, start, 'TransformersTextEncoder')
    const out = await this.pipe(
      batch.map((t) => this.config.prefix + t),
      { pooling: this.config.pooling, normalize: false },
    )
    return out.data instanceof Float32Array ? out.data : Float32Array.from(out.data)
  }

  protected release(): Promise<void> {
    return this.pipe.dispose()
  }
}

/**
 * Loads a transformers.js sentence encoder: a Hub model id (downloaded once into the cache when
 * remote models are allowed) or a model folder under `localModelPath` (offline). Any ONNX
 * feature-extraction model works, e.g. `Xenova/all-MiniLM-L6-v2` (384 dims) or
 * `Xenova/bge-small-en-v1.5` (384 dims, use `pooling: 'cls'`).
 *
 * @example
 * ```ts
 * const enc = await loadTransformersTextEncoder({ model: 'all-MiniLM-L6-v2', localModelPath: './models' })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a bad or unknown option; MISSING_DEPENDENCY when `@huggingface/transformers` is not installed; IO_ERROR when the model cannot be found or loaded.
 */
export async function loadTransformersTextEncoder(options: TransformersTextOptions = {}): Promise<TransformersTextEncoder> {
  const { config, load } = resolveLoadOptions(TRANSFORMERS_TEXT_PARAMS, options, 'transformers.js text encoder')
  const { pipe } = await openPipeline<FeaturePipeline>('feature-extraction', config, load, 'config.json, tokenizer.json, onnx/model.onnx')
  const probe = await pipe(['dimension probe'], { pooling: config.pooling, normalize: false })
  return new TransformersTextEncoder({
    pipe,
    modelId: modelIdOf('text', load, config, `${config.pooling}${config.prefix ? `:${config.prefix}` : ''}`),
    dimensions: probe.dims[probe.dims.length - 1]!,
    config,
  })
}
