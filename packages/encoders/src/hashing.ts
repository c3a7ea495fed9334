import { RecForgeError, checkNumber, throwIfAborted, type Encoder, type RunOptions } from '@recforge/core'
import { murmur3, ngrams, tokenize } from './internal/text'
import { normalizeRows } from './vectors'

/** Options of {@link HashingEncoder}. */
export interface HashingOptions {
  /** Vector size (number of hash buckets). Defaults to `1024`. */
  dimensions?: number
  /** Longest word n-gram hashed (2 = words and word pairs). Defaults to `2`. */
  maxNgram?: number
  /** Hash seed; different seeds give independent feature maps. Defaults to `0`. */
  seed?: number
  /** Give each feature a hash-chosen sign so collisions cancel on average (Weinberger et al. 2009). Defaults to `true`. */
  signed?: boolean
  /** Scale each vector to unit length. Defaults to `true`. */
  normalize?: boolean
}

/**
 * Feature hashing ("the hashing trick"): words and word n-grams hashed into a fixed number of
 * buckets with sublinear counts. Needs no fitting and no vocabulary, so it scales to catalogues of
 * any size and streams.
 *
 * @example
 * ```ts
 * const enc = new HashingEncoder({ dimensions: 512 })
 * const v = await enc.encode(['Toy Story (1995). Genres: Animation, Children'])
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for bad options or non-string input.
 */
export class HashingEncoder implements Encoder<string> {
  readonly dimensions: number
  readonly modelId: string
  readonly options: Required<HashingOptions>

  constructor(options: HashingOptions = {}) {
    this.options = {
      dimensions: checkNumber('dimensions', options.dimensions ?? 1024, { min: 1, integer: true }),
      maxNgram: checkNumber('maxNgram', options.maxNgram ?? 2, { min: 1, max: 5, integer: true }),
      seed: checkNumber('seed', options.seed ?? 0, { integer: true }),
      signed: options.signed ?? true,
      normalize: options.normalize ?? true,
    }
    this.dimensions = this.options.dimensions
    const o = this.options
    this.modelId = `hashing-d${o.dimensions}-n${o.maxNgram}-s${o.seed}${o.signed ? '' : '-unsigned'}${o.normalize ? '' : '-raw'}`
  }

  async encode(inputs: readonly string[], opts: RunOptions = {}): Promise<Float32Array> {
    const d = this.dimensions
    const out = new Float32Array(inputs.length * d)
    const counts = new Float32Array(d)
    const touched: number[] = []
    for (let r = 0; r < inputs.length; r++) {
      if (r % 1024 === 0) throwIfAborted(opts.signal, 'hashing')
      const text = inputs[r]
      if (typeof text !== 'string') throw new RecForgeError('INVALID_ARGUMENT', `HashingEncoder.encode: input ${r} is ${typeof text}; expected a string`)
      touched.length = 0
      for (const g of ngrams(tokenize(text), this.options.maxNgram)) {
        const h = murmur3(g, this.options.seed)
        const j = h % d
        const sign = this.options.signed && murmur3(g, this.options.seed ^ 0x5bd1e995) & 1 ? -1 : 1
        if (counts[j] === 0) touched.push(j)
        counts[j]! += sign
      }
      const o = r * d
      for (const j of touched) {
        const c = counts[j]!
        out[o + j] = Math.sign(c) * Math.log1p(Math.abs(c))
        counts[j] = 0
      }
    }
    if (this.options.normalize) normalizeRows(out, d)
    opts.onProgress?.({ stage: 'encode', current: inputs.length, total: inputs.length })
    return out
  }

  async dispose(): Promise<void> {}
}
