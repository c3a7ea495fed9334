import { RecForgeError, throwIfAborted, type Encoder, type RunOptions } from '@recforge/core'
import { normalizeRows } from '../vectors'

/** The parameters every model-backed encoder has. */
export interface BatchingConfig {
  /** Inputs per model call. */
  readonly batchSize: number
  /** Scale each output row to unit length. */
  readonly normalize: boolean
}

/** What every model-backed encoder is built from. */
export interface BatchedEncoderParts<Config extends BatchingConfig> {
  /** The class name, for messages. */
  readonly label: string
  readonly modelId: string
  readonly dimensions: number
  /** The encoder's resolved parameters. */
  readonly config: Config
}

/**
 * The shared part of the encoders that run a model (Universal Sentence Encoder, transformers.js
 * text and image): inputs go to the model `batchSize` at a time, with an abort check before and a
 * progress event after each batch; every batch's output size is checked; rows are scaled to unit
 * length at the end; nothing runs after `dispose`. A subclass encodes one batch and frees its model.
 */
export abstract class BatchedEncoder<Input, Config extends BatchingConfig> implements Encoder<Input> {
  readonly modelId: string
  readonly dimensions: number
  /** The encoder's parameters, as resolved by its loader. */
  readonly config: Readonly<Config>
  private readonly label: string
  private disposed = false

  protected constructor(parts: BatchedEncoderParts<Config>) {
    this.label = parts.label
    this.modelId = parts.modelId
    this.dimensions = parts.dimensions
    this.config = Object.freeze({ ...parts.config })
  }

  /** `batch.length × dimensions` values, row-major; `start` is the position of `batch[0]` in the inputs. */
  protected abstract encodeBatch(batch: readonly Input[], start: number): Promise<Float32Array>

  /** Frees the model (called once, by the first `dispose`). */
  protected abstract release(): Promise<void> | void

  async encode(inputs: readonly Input[], opts: RunOptions = {}): Promise<Float32Array> {
    if (this.disposed) throw new RecForgeError('NOT_FITTED', `${this.label}(${this.modelId}): encode() after dispose(); load it again`)
    const d = this.dimensions
    const out = new Float32Array(inputs.length * d)
    const { batchSize, normalize } = this.config
    for (let start = 0; start < inputs.length; start += batchSize) {
      throwIfAborted(opts.signal, `${this.label} encoding`)
      const batch = inputs.slice(start, start + batchSize)
      const v = await this.encodeBatch(batch, start)
      if (v.length !== batch.length * d) {
        throw new RecForgeError('DIMENSION_MISMATCH', `${this.label}(${this.modelId}) returned ${v.length} values for ${batch.length} inputs; expected ${batch.length * d}`)
      }
      out.set(v, start * d)
      opts.onProgress?.({ stage: 'encode', current: start + batch.length, total: inputs.length })
    }
    if (normalize) normalizeRows(out, d)
    return out
  }

  async dispose(): Promise<void> {
    if (!this.disposed) await this.release()
    this.disposed = true
  }
}

/**
 * Throws unless every input of a batch is a string.
 *
 * @throws RecForgeError INVALID_ARGUMENT naming the input's position (`start` + its index).
 */
export function requireStrings(batch: readonly unknown[], start: number, label: string): void {
  batch.forEach((t, i) => {
    if (typeof t !== 'string') throw new RecForgeError('INVALID_ARGUMENT', `${label}.encode: input ${start + i} is ${typeof t}; expected a string`)
  })
}
