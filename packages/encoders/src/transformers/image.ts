import { RecForgeError, defineParams, param, type ConfigOf } from '@recforge/core'
import { BatchedEncoder } from '../internal/batched'
import { TRANSFORMERS_COMMON_PARAMS, modelIdOf, openPipeline, resolveLoadOptions, type OutputTensor, type TransformersLoadOptions, type TransformersModule } from './shared'

/** Raw pixels (row-major, interleaved channels), e.g. decoded frames or canvas data. */
export interface RawPixels {
  readonly data: Uint8Array | Uint8ClampedArray
  readonly width: number
  readonly height: number
  readonly channels: 1 | 2 | 3 | 4
}

/** What the image encoder takes: a file path, an `http(s)` URL, or raw pixels. */
export type ImageInput = string | URL | RawPixels

/** The parameters of {@link loadTransformersImageEncoder}. */
export const TRANSFORMERS_IMAGE_PARAMS = defineParams({
  model: param.string({ default: 'Xenova/clip-vit-base-patch32', description: 'hugging face model id, or a folder name under localModelPath' }),
  pooling: param.enumOf({
    values: ['cls', 'mean'],
    default: 'cls',
    description: 'for models without a pooled or projected output (vit, dino): the first token (cls) or the mean of patch tokens',
  }),
  ...TRANSFORMERS_COMMON_PARAMS,
  batchSize: { ...TRANSFORMERS_COMMON_PARAMS.batchSize, default: 16 },
})

/** The configuration of {@link loadTransformersImageEncoder}: see {@link TRANSFORMERS_IMAGE_PARAMS}. */
export type TransformersImageConfig = ConfigOf<typeof TRANSFORMERS_IMAGE_PARAMS>

/** What {@link loadTransformersImageEncoder} takes: any of its parameters, and where the model comes from. */
export type TransformersImageOptions = Partial<TransformersImageConfig> & TransformersLoadOptions

interface ImagePipeline {
  processor: (images: unknown[]) => Promise<{ pixel_values: unknown }>
  model: (inputs: { pixel_values: unknown }) => Promise<Record<string, OutputTensor | undefined>>
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
export class TransformersImageEncoder extends BatchedEncoder<ImageInput, TransformersImageConfig> {
  /** Which model output the vectors come from. */
  readonly output: 'image_embeds' | 'pooler_output' | 'last_hidden_state'
  private readonly tx: TransformersModule
  private readonly pipe: ImagePipeline

  /** @internal Use {@link loadTransformersImageEncoder}. */
  constructor(parts: { tx: TransformersModule; pipe: ImagePipeline; modelId: string; dimensions: number; output: TransformersImageEncoder['output']; config: TransformersImageConfig }) {
    super({ label: 'TransformersImageEncoder', ...parts })
    this.tx = parts.tx
    this.pipe = parts.pipe
    this.output = parts.output
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

  protected async encodeBatch(batch: readonly ImageInput[], start: number): Promise<Float32Array> {
    const images = await Promise.all(batch.map((x, j) => this.read(x, start + j)))
    return (await TransformersImageEncoder.embed(this.pipe, images, this.config.pooling)).data
  }

  protected release(): Promise<void> {
    return this.pipe.dispose()
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
 * @throws RecForgeError INVALID_ARGUMENT for a bad or unknown option; MISSING_DEPENDENCY when `@huggingface/transformers` is not installed; IO_ERROR when the model cannot be loaded.
 */
export async function loadTransformersImageEncoder(options: TransformersImageOptions = {}): Promise<TransformersImageEncoder> {
  const { config, load } = resolveLoadOptions(TRANSFORMERS_IMAGE_PARAMS, options, 'transformers.js image encoder')
  const { tx, pipe } = await openPipeline<ImagePipeline>('image-feature-extraction', config, load, 'config.json, preprocessor_config.json, onnx/*.onnx')
  const probe = new tx.RawImage(new Uint8Array(32 * 32 * 3).fill(128), 32, 32, 3)
  const { dimensions, output } = await TransformersImageEncoder.embed(pipe, [probe], config.pooling)
  return new TransformersImageEncoder({
    tx,
    pipe,
    modelId: modelIdOf('image', load, config, output === 'last_hidden_state' ? config.pooling : output),
    dimensions,
    output,
    config,
  })
}
