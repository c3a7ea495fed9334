import path from 'node:path'
import type { ProgressEvent } from '@recforge/core'
import { importOptional } from '../internal/optional'

/** Where and how transformers.js finds model files. Shared by the text and image encoders. */
export interface TransformersLoadOptions {
  /** Hugging Face model id (`Xenova/all-MiniLM-L6-v2`) or a folder name under `localModelPath`. */
  model?: string
  /** A folder holding model folders (`<localModelPath>/<model>/config.json`, `onnx/model.onnx`, ...). Defaults to `undefined` (transformers.js' own default). */
  localModelPath?: string
  /** Whether files may be downloaded from the Hugging Face Hub. Defaults to `false` when `localModelPath` is set, else `true`. */
  allowRemoteModels?: boolean
  /** Where downloaded files are cached. Defaults to `undefined` (transformers.js' default cache folder). */
  cacheDir?: string
  /** Weight precision file to load (`fp32` → `model.onnx`, `q8` → `model_quantized.onnx`, ...). Defaults to `'fp32'`. */
  dtype?: 'auto' | 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16'
  /** Execution device (`cpu` uses onnxruntime-node in Node; `wasm`, `webgpu`, `cuda`, `dml` where available). Defaults to `undefined` (transformers.js picks). */
  device?: string
  /** Model revision (branch, tag or commit) on the Hub. Defaults to `'main'`. */
  revision?: string
  /** Inputs per model call. Defaults to `32`. */
  batchSize?: number
  /** Scale each vector to unit length. Defaults to `true`. */
  normalize?: boolean
  /** Receives download/load progress as `load` events. Defaults to `undefined`. */
  onProgress?: (event: ProgressEvent) => void
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
  return importOptional<TransformersModule>('@huggingface/transformers', '@huggingface/transformers@4.3.1', 'the transformers.js encoders')
}

/** Applies the location options to transformers.js' global `env` and returns the pipeline options. */
export function configure(tx: TransformersModule, opts: TransformersLoadOptions): Record<string, unknown> {
  if (opts.localModelPath !== undefined) {
    tx.env.localModelPath = opts.localModelPath.endsWith(path.sep) ? opts.localModelPath : opts.localModelPath + path.sep
    tx.env.allowLocalModels = true
  }
  tx.env.allowRemoteModels = opts.allowRemoteModels ?? opts.localModelPath === undefined
  if (opts.cacheDir !== undefined) tx.env.cacheDir = opts.cacheDir
  const onProgress = opts.onProgress
  return {
    dtype: opts.dtype ?? 'fp32',
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

/** A cache-safe model id: the Hub id, or the resolved local folder for local models. */
export function modelIdOf(kind: string, opts: TransformersLoadOptions, model: string, extra: string): string {
  const where = opts.localModelPath !== undefined ? path.resolve(opts.localModelPath, model) : model
  return `transformers-${kind}:${where}@${opts.revision ?? 'main'}:${opts.dtype ?? 'fp32'}:${extra}`
}
