import path from 'node:path'
import { RecForgeError, defineParams, param, resolveConfig, type ConfigOf, type ParamSchema, type ProgressEvent } from '@recforge/core'
import { importOptional } from '../internal/optional'

/** Parameters both transformers.js encoders have (each schema adds its model, pooling, ...). */
export const TRANSFORMERS_COMMON_PARAMS = defineParams({
  dtype: param.enumOf({
    values: ['auto', 'fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16'],
    default: 'fp32',
    description: 'weight precision file to load (fp32: model.onnx, q8: model_quantized.onnx, ...)',
  }),
  batchSize: param.int({ default: 32, min: 1, description: 'inputs per model call' }),
  normalize: param.bool({ default: true, description: 'scale each vector to unit length' }),
})

/** What every transformers.js encoder configuration holds. */
export type TransformersConfigBase = ConfigOf<typeof TRANSFORMERS_COMMON_PARAMS> & { model: string }

/**
 * Where transformers.js finds model files and how it runs them, beside an encoder's parameters
 * (its schema). Shared by the text and image encoders.
 */
export interface TransformersLoadOptions {
  /** A folder holding model folders (`<localModelPath>/<model>/config.json`, `onnx/model.onnx`, ...). Defaults to `undefined` (transformers.js' own default). */
  localModelPath?: string
  /** Whether files may be downloaded from the Hugging Face Hub. Defaults to `false` when `localModelPath` is set, else `true`. */
  allowRemoteModels?: boolean
  /** Where downloaded files are cached. Defaults to `undefined` (transformers.js' default cache folder). */
  cacheDir?: string
  /** Execution device (`cpu` uses onnxruntime-node in Node; `wasm`, `webgpu`, `cuda`, `dml` where available). Defaults to `undefined` (transformers.js picks). */
  device?: string
  /** Model revision (branch, tag or commit) on the Hub. Defaults to `'main'`. */
  revision?: string
  /** Receives download/load progress as `load` events. Defaults to `undefined`. */
  onProgress?: (event: ProgressEvent) => void
}

const LOAD_OPTION_KEYS: ReadonlySet<string> = new Set(['localModelPath', 'allowRemoteModels', 'cacheDir', 'device', 'revision', 'onProgress'] satisfies (keyof TransformersLoadOptions)[])

/** A tensor a transformers.js model or pipeline returns: its shape and its values. */
export interface OutputTensor {
  dims: number[]
  data: Float32Array
}

/** The part of the transformers.js module the encoders use (kept local so the optional peer's types do not leak into ours). */
export interface TransformersModule {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string; cacheDir: string | null }
  pipeline: (task: string, model: string, options: Record<string, unknown>) => Promise<unknown>
  RawImage: {
    read(input: string | URL): Promise<unknown>
    new (data: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 1 | 2 | 3 | 4): unknown
  }
}

/** Imports `@huggingface/transformers` or fails with MISSING_DEPENDENCY naming it. */
export function importTransformers(): Promise<TransformersModule> {
  return importOptional<TransformersModule>('@huggingface/transformers', 'the transformers.js encoders')
}

/**
 * Splits a loader's options into the encoder's parameters, resolved through `schema` (defaults,
 * ranges, unknown keys), and the load options.
 *
 * @throws RecForgeError INVALID_ARGUMENT naming the parameter.
 */
export function resolveLoadOptions<S extends ParamSchema>(schema: S, options: object, what: string): { config: ConfigOf<S>; load: TransformersLoadOptions } {
  const params: Record<string, unknown> = {}
  const load: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(options)) (LOAD_OPTION_KEYS.has(key) ? load : params)[key] = value
  return { config: resolveConfig(schema, params, { model: what }), load: load as TransformersLoadOptions }
}

/** Applies the location options to transformers.js' global `env` and returns the pipeline options. */
function configure(tx: TransformersModule, opts: TransformersLoadOptions, dtype: string): Record<string, unknown> {
  if (opts.localModelPath !== undefined) {
    tx.env.localModelPath = opts.localModelPath.endsWith(path.sep) ? opts.localModelPath : opts.localModelPath + path.sep
    tx.env.allowLocalModels = true
  }
  tx.env.allowRemoteModels = opts.allowRemoteModels ?? opts.localModelPath === undefined
  if (opts.cacheDir !== undefined) tx.env.cacheDir = opts.cacheDir
  const onProgress = opts.onProgress
  return {
    dtype,
    ...(opts.device ? { device: opts.device } : {}),
    ...(opts.revision ? { revision: opts.revision } : {}),
    ...(onProgress
      ? {
          progress_callback: (p: { status?: string; file?: string; loaded?: number; total?: number; progress?: number }) => {
            onProgress({
              stage: 'load',
              current: p.loaded ?? p.progress ?? 0,
              ...(p.total !== undefined ? { total: p.total } : {}),
              message: [p.status, p.file].filter(Boolean).join(' '),
            })
          },
        }
      : {}),
  }
}

/**
 * Imports transformers.js, applies the load options and opens a pipeline for `config.model`.
 *
 * @throws RecForgeError MISSING_DEPENDENCY without `@huggingface/transformers`; IO_ERROR naming
 *   the model, the folder and the files it needs when the model cannot be loaded.
 */
export async function openPipeline<P>(task: 'feature-extraction' | 'image-feature-extraction', config: TransformersConfigBase, load: TransformersLoadOptions, files: string): Promise<{ tx: TransformersModule; pipe: P }> {
  const tx = await importTransformers()
  const pipeOpts = configure(tx, load, config.dtype)
  const model = config.model
  try {
    return { tx, pipe: (await tx.pipeline(task, model, pipeOpts)) as P }
  } catch (e) {
    throw new RecForgeError(
      'IO_ERROR',
      `could not load transformers.js ${task === 'feature-extraction' ? 'model' : 'image model'} "${model}"${load.localModelPath ? ` from ${load.localModelPath}` : ''}: ${(e as Error).message}. Download it once with internet access (allowRemoteModels: true) or put its files (${files}) in <localModelPath>/${model}/`,
      { cause: e },
    )
  }
}

/** A cache-safe model id: the Hub id, or the resolved local folder for local models. */
export function modelIdOf(kind: string, load: TransformersLoadOptions, config: TransformersConfigBase, extra: string): string {
  const where = load.localModelPath !== undefined ? path.resolve(load.localModelPath, config.model) : config.model
  return `transformers-${kind}:${where}@${load.revision ?? 'main'}:${config.dtype}:${extra}`
}
