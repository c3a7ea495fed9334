import { RecForgeError, checkNumber, throwIfAborted, type Encoder, type RunOptions } from '@recforge/core'
import { normalizeRows } from '../vectors'
import { configure, importTransformers, modelIdOf, type TransformersLoadOptions } from './shared'

/** Options of {@link loadTransformersTextEncoder}. */
export interface TransformersTextOptions extends TransformersLoadOptions {
  /** How token vectors become one vector: mean over real tokens (sentence-transformers) or the first token (`cls`, e.g. BGE). Defaults to `'mean'`. */
  pooling?: 'mean' | 'cls'
  /** Text put before every input, e.g. `'passage: '` for E5 models. Defaults to `''`. */
  prefix?: string
}

interface FeatureTensor {
  dims: number[]
  data: Float32Array
}
interface FeaturePipeline {
  (texts: string[], options: { pooling: string; normalize: boolean }): Promise<FeatureTensor>
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
export class TransformersTextEncoder implements Encoder<string> {
  readonly modelId: string
  readonly dimensions: number
  private readonly pipe: FeaturePipeline
  private readonly pooling: 'mean' | 'cls'
  private readonly batchSize: number
  private readonly normalize: boolean
  private readonly prefix: string
  private disposed = false

  /** @internal Use {@link loadTransformersTextEncoder}. */
  constructor(parts: { pipe: FeaturePipeline; modelId: string; dimensions: number; pooling: 'mean' | 'cls'; batchSize: number; normalize: boolean; prefix: string }) {
    this.pipe = parts.pipe
    this.modelId = parts.modelId
    this.dimensions = parts.dimensions
    this.pooling = parts.pooling
    this.batchSize = parts.batchSize
    this.normalize = parts.normalize
    this.prefix = parts.prefix
  }

  /** @internal Runs one batch and returns `n × hidden` pooled rows. */
  async run(texts: string[]): Promise<Float32Array> {
    const out = await this.pipe(texts, { pooling: this.pooling, normalize: false })
    return out.data instanceof Float32Array ? out.data : Float32Array.from(out.data)
  }

  async encode(inputs: readonly string[], opts: RunOptions = {}): Promise<Float32Array> {
    if (this.disposed) throw new RecForgeError('NOT_FITTED', `TransformersTextEncoder(${this.modelId}): encode() after dispose(); load it again`)
    const d = this.dimensions
    const out = new Float32Array(inputs.length * d)
    inputs.forEach((t, i) => {
      if (typeof t !== 'string') throw new RecForgeError('INVALID_ARGUMENT', `TransformersTextEncoder.encode: input ${i} is ${typeof t}; expected a string`)
    })
    for (let start = 0; start < inputs.length; start += this.batchSize) {
      throwIfAborted(opts.signal, 'transformers.js encoding')
      const batch = inputs.slice(start, start + this.batchSize).map((t) => this.prefix + t)
      const v = await this.run(batch)
      if (v.length !== batch.length * d) throw new RecForgeError('DIMENSION_MISMATCH', `model ${this.modelId} returned ${v.length} values for ${batch.length} texts; expected ${batch.length * d}`)
      out.set(v, start * d)
      opts.onProgress?.({ stage: 'encode', current: Math.min(inputs.length, start + this.batchSize), total: inputs.length })
    }
    if (this.normalize) normalizeRows(out, d)
    return out
  }

  async dispose(): Promise<void> {
    if (!this.disposed) await this.pipe.dispose()
    this.disposed = true
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
 * @throws RecForgeError MISSING_DEPENDENCY when `@huggingface/transformers` is not installed; IO_ERROR when the model cannot be found or loaded.
 */
export async function loadTransformersTextEncoder(opts: TransformersTextOptions = {}): Promise<TransformersTextEncoder> {
  const model = opts.model ?? 'Xenova/all-MiniLM-L6-v2'
  const pooling = opts.pooling ?? 'mean'
  if (pooling !== 'mean' && pooling !== 'cls') throw new RecForgeError('INVALID_ARGUMENT', `option "pooling" must be 'mean' or 'cls'; got ${JSON.stringify(pooling)}`)
  const batchSize = checkNumber('batchSize', opts.batchSize ?? 32, { min: 1, integer: true })
  const tx = await importTransformers()
  const pipeOpts = configure(tx, opts)
  let pipe: FeaturePipeline
  try {
    pipe = (await tx.pipeline('feature-extraction', model, pipeOpts)) as FeaturePipeline
  } catch (e) {
    throw new RecForgeError(
      'IO_ERROR',
      `could not load transformers.js model "${model}"${opts.localModelPath ? ` from ${opts.localModelPath}` : ''}: ${(e as Error).message}. Download it once with internet access (allowRemoteModels: true) or put its files (config.json, tokenizer.json, onnx/model.onnx) in <localModelPath>/${model}/`,
      { cause: e },
    )
  }
  const probe = await pipe(['dimension probe'], { pooling, normalize: false })
  const dimensions = probe.dims[probe.dims.length - 1]!
  const prefix = opts.prefix ?? ''
  return new TransformersTextEncoder({
    pipe,
    modelId: modelIdOf('text', opts, model, `${pooling}${prefix ? `:${prefix}` : ''}`),
    dimensions,
    pooling,
    batchSize,
    normalize: opts.normalize ?? true,
    prefix,
  })
}
