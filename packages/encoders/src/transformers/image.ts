import { RecForgeError, checkNumber, throwIfAborted, type Encoder, type RunOptions } from '@recforge/core'
import { normalizeRows } from '../vectors'
import { configure, importTransformers, modelIdOf, type TransformersLoadOptions, type TransformersModule } from './shared'

/** Raw pixels (row-major, interleaved channels), e.g. decoded frames or canvas data. */
export interface RawPixels {
  readonly data: Uint8Array | Uint8ClampedArray
  readonly width: number
  readonly height: number
  readonly channels: 1 | 2 | 3 | 4
}

/** What the image encoder takes: a file path, an `http(s)` URL, or raw pixels. */
export type ImageInput = string | URL | RawPixels

/** Options of {@link loadTransformersImageEncoder}. */
export interface TransformersImageOptions extends TransformersLoadOptions {
  /** For models without a pooled or projected output (ViT, DINO): the first token (`cls`) or the mean of patch tokens. Defaults to `'cls'`. */
  pooling?: 'cls' | 'mean'
}

interface OutTensor {
  dims: number[]
  data: Float32Array
}
interface ImagePipeline {
  processor: (images: unknown[]) => Promise<{ pixel_values: unknown }>
  model: (inputs: { pixel_values: unknown }) => Promise<Record<string, OutTensor | undefined>>
  dispose(): Promise<void>
}

/**
 * An image encoder on transformers.js: the model's image processor, then its projected embedding
 * (`image_embeds`, CLIP/SigLIP vision towers), else `pooler_output`, else the CLS or mean token of
 * `last_hidden_state` (ViT, DINO), L2-normalised. Create it with {@link loadTransformersImageEncoder}.
 *
 * @example
 * ```ts
 * const enc = await loadTransformersImageEncoder({ model: 'Xenova/clip-vit-base-patch32' })
 * const v = await enc.encode(['posters/toy-story.jpg']) // 1 × 512, in CLIP's joint space
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an input that is not a path, URL or raw pixels; IO_ERROR for unreadable images.
 */
export class TransformersImageEncoder implements Encoder<ImageInput> {
  readonly modelId: string
  readonly dimensions: number
  /** Which model output the vectors come from. */
  readonly output: 'image_embeds' | 'pooler_output' | 'last_hidden_state'
  private readonly tx: TransformersModule
  private readonly pipe: ImagePipeline
  private readonly pooling: 'cls' | 'mean'
  private readonly batchSize: number
  private readonly normalize: boolean
  private disposed = false

  /** @internal Use {@link loadTransformersImageEncoder}. */
  constructor(parts: { tx: TransformersModule; pipe: ImagePipeline; modelId: string; dimensions: number; output: TransformersImageEncoder['output']; pooling: 'cls' | 'mean'; batchSize: number; normalize: boolean }) {
    this.tx = parts.tx
    this.pipe = parts.pipe
    this.modelId = parts.modelId
    this.dimensions = parts.dimensions
    this.output = parts.output
    this.pooling = parts.pooling
    this.batchSize = parts.batchSize
    this.normalize = parts.normalize
  }

  private async read(input: ImageInput, i: number): Promise<unknown> {
    if (typeof input === 'string' || input instanceof URL) {
      try {
        return await this.tx.RawImage.read(input)
      } catch (e) {
        throw new RecForgeError('IO_ERROR', `image ${i} (${String(input)}) could not be read: ${(e as Error).message}`, { cause: e })
      }
    }
    if (input && typeof input === 'object' && 'data' in input && input.data.length === input.width * input.height * input.channels) {
      return new this.tx.RawImage(input.data, input.width, input.height, input.channels)
    }
    throw new RecForgeError('INVALID_ARGUMENT', `image ${i}: expected a file path, a URL, or { data, width, height, channels } with data.length = width·height·channels`)
  }

  /** @internal Runs one batch of decoded images. */
  static async embed(pipe: ImagePipeline, images: unknown[], pooling: 'cls' | 'mean'): Promise<{ data: Float32Array; dimensions: number; output: TransformersImageEncoder['output'] }> {
    const { pixel_values } = await pipe.processor(images)
    const out = await pipe.model({ pixel_values })
    const direct = out.image_embeds ? 'image_embeds' : out.pooler_output ? 'pooler_output' : undefined
    if (direct) {
      const t = out[direct]!
      return { data: Float32Array.from(t.data), dimensions: t.dims[t.dims.length - 1]!, output: direct }
    }
    const h = out.last_hidden_state
    if (!h || h.dims.length !== 3) throw new RecForgeError('INVALID_ARGUMENT', `the image model returned none of image_embeds, pooler_output, last_hidden_state (got ${Object.keys(out).join(', ')})`)
    const [n, s, d] = h.dims as [number, number, number]
    const data = new Float32Array(n * d)
    for (let r = 0; r < n; r++) {
      if (pooling === 'cls') data.set(h.data.subarray(r * s * d, r * s * d + d), r * d)
      else for (let t = 0; t < s; t++) for (let j = 0; j < d; j++) data[r * d + j]! += h.data[(r * s + t) * d + j]! / s
    }
    return { data, dimensions: d, output: 'last_hidden_state' }
  }

  async encode(inputs: readonly ImageInput[], opts: RunOptions = {}): Promise<Float32Array> {
    if (this.disposed) throw new RecForgeError('NOT_FITTED', `TransformersImageEncoder(${this.modelId}): encode() after dispose(); load it again`)
    const d = this.dimensions
    const out = new Float32Array(inputs.length * d)
    for (let start = 0; start < inputs.length; start += this.batchSize) {
      throwIfAborted(opts.signal, 'image encoding')
      const batch = inputs.slice(start, start + this.batchSize)
      const images = await Promise.all(batch.map((x, j) => this.read(x, start + j)))
      const { data } = await TransformersImageEncoder.embed(this.pipe, images, this.pooling)
      out.set(data, start * d)
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
 * Loads a transformers.js image encoder (the image-feature-extraction pipeline's model and
 * processor): a Hub id such as `Xenova/clip-vit-base-patch32` or a folder under `localModelPath`.
 *
 * @example
 * ```ts
 * const enc = await loadTransformersImageEncoder({ model: 'clip-vit-base-patch32', localModelPath: './models' })
 * ```
 * @throws RecForgeError MISSING_DEPENDENCY when `@huggingface/transformers` is not installed; IO_ERROR when the model cannot be loaded.
 */
export async function loadTransformersImageEncoder(opts: TransformersImageOptions = {}): Promise<TransformersImageEncoder> {
  const model = opts.model ?? 'Xenova/clip-vit-base-patch32'
  const pooling = opts.pooling ?? 'cls'
  if (pooling !== 'mean' && pooling !== 'cls') throw new RecForgeError('INVALID_ARGUMENT', `option "pooling" must be 'cls' or 'mean'; got ${JSON.stringify(pooling)}`)
  const batchSize = checkNumber('batchSize', opts.batchSize ?? 16, { min: 1, integer: true })
  const tx = await importTransformers()
  const pipeOpts = configure(tx, opts)
  let pipe: ImagePipeline
  try {
    pipe = (await tx.pipeline('image-feature-extraction', model, pipeOpts)) as ImagePipeline
  } catch (e) {
    throw new RecForgeError(
      'IO_ERROR',
      `could not load transformers.js image model "${model}"${opts.localModelPath ? ` from ${opts.localModelPath}` : ''}: ${(e as Error).message}. Download it once with internet access or put its files (config.json, preprocessor_config.json, onnx/*.onnx) in <localModelPath>/${model}/`,
      { cause: e },
    )
  }
  const probe = new tx.RawImage(new Uint8Array(32 * 32 * 3).fill(128), 32, 32, 3)
  const { dimensions, output } = await TransformersImageEncoder.embed(pipe, [probe], pooling)
  return new TransformersImageEncoder({
    tx,
    pipe,
    modelId: modelIdOf('image', opts, model, output === 'last_hidden_state' ? pooling : output),
    dimensions,
    output,
    pooling,
    batchSize,
    normalize: opts.normalize ?? true,
  })
}
