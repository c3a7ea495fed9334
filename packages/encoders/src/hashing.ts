import { RecForgeError, defineParams, param, resolveConfig, throwIfAborted, type ConfigOf, type Encoder, type RunOptions } from '@recforge/core'
import { murmur3, ngrams, tokenize } from './internal/text'
import { normalizeRows } from './vectors'

/** The parameters of {@link HashingEncoder}. */
export const HASHING_PARAMS = defineParams({
  dimensions: param.int({ default: 1024, min: 1, description: 'vector size (number of hash buckets)' }),
  maxNgram: param.int({ default: 2, min: 1, max: 5, description: 'longest word n-gram hashed (2 = words and word pairs)' }),
  seed: param.int({ default: 0, description: 'hash seed; different seeds give independent feature maps' }),
  signed: param.bool({ default: true, description: 'give each feature a hash-chosen sign so collisions cancel on average (weinberger et al. 2009)' }),
  normalize: param.bool({ default: true, description: 'scale each vector to unit length' }),
})

/** The configuration of {@link HashingEncoder}: see {@link HASHING_PARAMS}. */
export type HashingConfig = ConfigOf<typeof HASHING_PARAMS>

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
 * @throws RecForgeError INVALID_ARGUMENT for a bad or unknown option, or non-string input.
 */
export class HashingEncoder implements Encoder<string> {
  readonly dimensions: number
  readonly modelId: string
  readonly config: Readonly<HashingConfig>

  constructor(config: Partial<HashingConfig> = {}) {
    this.config = Object.freeze(resolveConfig(HASHING_PARAMS, config, { model: 'HashingEncoder' }))
    const o = this.config
    this.dimensions = o.dimensions
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
      for (const g of ngrams(tokenize(text), this.config.maxNgram)) {
        const h = murmur3(g, this.config.seed)
        const j = h % d
        const sign = this.config.signed && murmur3(g, this.config.seed ^ 0x5bd1e995) & 1 ? -1 : 1
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
    if (this.config.normalize) normalizeRows(out, d)
    opts.onProgress?.({ stage: 'encode', current: inputs.length, total: inputs.length })
    return out
  }

  async dispose(): Promise<void> {}
}
