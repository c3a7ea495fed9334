import { RecForgeError, defineParams, isRecForgeError, param, resolveConfig, throwIfAborted, type ConfigOf, type Encoder, type RunOptions } from '@recforge/core'
import { murmur3, ngrams, tokenize } from './internal/text'
import { normalizeRows } from './vectors'

/** The parameters of {@link TfIdfEncoder}. */
export const TFIDF_PARAMS = defineParams({
  weighting: param.enumOf({ values: ['tfidf', 'bm25'], default: 'tfidf', description: 'term weighting: tfidf (smoothed idf, sublinear tf) or okapi bm25' }),
  maxFeatures: param.int({ default: 4096, min: 1, description: 'terms kept, the most frequent by document frequency; it is the vector size' }),
  minDf: param.int({ default: 1, min: 1, description: 'drop terms found in fewer documents than this' }),
  maxDfRatio: param.float({ default: 1, min: 0, exclusiveMin: true, max: 1, description: 'drop terms found in more than this share of documents' }),
  maxNgram: param.int({ default: 1, min: 1, max: 5, description: 'longest word n-gram (1 = single words, 2 = words and word pairs)' }),
  k1: param.float({ default: 1.2, min: 0, description: 'bm25 term-frequency saturation' }),
  b: param.float({ default: 0.75, min: 0, max: 1, description: 'bm25 length normalisation' }),
  normalize: param.bool({ default: true, description: 'scale each vector to unit length' }),
})

/** The configuration of {@link TfIdfEncoder}: see {@link TFIDF_PARAMS}. */
export type TfIdfConfig = ConfigOf<typeof TFIDF_PARAMS>

/** What {@link TfIdfEncoder.toJSON} writes: enough to encode again without the corpus. */
export interface TfIdfState {
  readonly config: TfIdfConfig
  readonly terms: readonly string[]
  readonly idf: readonly number[]
  readonly avgLength: number
}

/**
 * TF-IDF or BM25 bag-of-words vectors over a vocabulary learned from a corpus: no weights to
 * download, exact and fast, a strong baseline for titles, genres and tags.
 *
 * @example
 * ```ts
 * const enc = new TfIdfEncoder({ weighting: 'bm25', maxFeatures: 2048 }).fit(catalogueTexts)
 * const vectors = await enc.encode(['space opera with robots']) // 1 × enc.dimensions, unit length
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a bad or unknown option; NOT_FITTED from `encode` before `fit`; EMPTY_INPUT when the corpus has no terms.
 */
export class TfIdfEncoder implements Encoder<string> {
  readonly config: Readonly<TfIdfConfig>
  private terms: string[] = []
  private termIndex = new Map<string, number>()
  private idf = new Float32Array(0)
  private avgLength = 0
  private id = ''

  constructor(config: Partial<TfIdfConfig> = {}) {
    this.config = Object.freeze(resolveConfig(TFIDF_PARAMS, config, { model: 'TfIdfEncoder' }))
  }

  /** A stable id that changes when the vocabulary, weights or options change (for caching). */
  get modelId(): string {
    this.requireFitted()
    return this.id
  }

  /** Vector size: the number of kept terms. */
  get dimensions(): number {
    this.requireFitted()
    return this.terms.length
  }

  /** True once {@link fit} or {@link fromJSON} has run. */
  get fitted(): boolean {
    return this.terms.length > 0
  }

  /** Learns the vocabulary and term weights from `corpus`. Returns `this`. */
  fit(corpus: readonly string[]): this {
    const df = new Map<string, number>()
    let totalLen = 0
    for (const text of corpus) {
      const grams = this.grams(text)
      totalLen += grams.length
      for (const g of new Set(grams)) df.set(g, (df.get(g) ?? 0) + 1)
    }
    const n = corpus.length
    const maxDf = this.config.maxDfRatio * n
    const kept = [...df.entries()]
      .filter(([, c]) => c >= this.config.minDf && c <= maxDf)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, this.config.maxFeatures)
    if (kept.length === 0) {
      throw new RecForgeError('EMPTY_INPUT', `TfIdfEncoder.fit: the corpus of ${n} texts has no terms that pass minDf=${this.config.minDf} and maxDfRatio=${this.config.maxDfRatio}`)
    }
    kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    const idf = kept.map(([, c]) => (this.config.weighting === 'bm25' ? Math.log(1 + (n - c + 0.5) / (c + 0.5)) : Math.log((1 + n) / (1 + c)) + 1))
    this.setState(
      kept.map(([t]) => t),
      idf,
      n ? totalLen / n : 0,
    )
    return this
  }

  private grams(text: string): string[] {
    return ngrams(tokenize(text), this.config.maxNgram)
  }

  private setState(terms: string[], idf: readonly number[], avgLength: number): void {
    this.terms = terms
    this.termIndex = new Map(terms.map((t, i) => [t, i]))
    this.idf = Float32Array.from(idf)
    this.avgLength = avgLength
    const o = this.config
    const sig = murmur3(`${o.weighting}|${o.maxNgram}|${o.k1}|${o.b}|${o.normalize}|${avgLength}|${terms.join('\u0001')}|${Array.from(this.idf).join(',')}`)
    this.id = `tfidf-${o.weighting}-${terms.length}-${sig.toString(16).padStart(8, '0')}`
  }

  private requireFitted(): void {
    if (!this.fitted) throw new RecForgeError('NOT_FITTED', 'TfIdfEncoder: call fit(corpus) (or TfIdfEncoder.fromJSON) before encoding')
  }

  async encode(inputs: readonly string[], opts: RunOptions = {}): Promise<Float32Array> {
    this.requireFitted()
    const d = this.terms.length
    const out = new Float32Array(inputs.length * d)
    const { k1, b } = this.config
    for (let r = 0; r < inputs.length; r++) {
      if (r % 1024 === 0) throwIfAborted(opts.signal, 'TF-IDF encoding')
      const text = inputs[r]
      if (typeof text !== 'string') throw new RecForgeError('INVALID_ARGUMENT', `TfIdfEncoder.encode: input ${r} is ${typeof text}; expected a string`)
      const grams = this.grams(text)
      const tf = new Map<number, number>()
      for (const g of grams) {
        const j = this.termIndex.get(g)
        if (j !== undefined) tf.set(j, (tf.get(j) ?? 0) + 1)
      }
      const o = r * d
      const lenNorm = this.avgLength > 0 ? 1 - b + (b * grams.length) / this.avgLength : 1
      for (const [j, c] of tf) {
        const w = this.config.weighting === 'bm25' ? (c * (k1 + 1)) / (c + k1 * lenNorm) : 1 + Math.log(c)
        out[o + j] = w * this.idf[j]!
      }
    }
    if (this.config.normalize) normalizeRows(out, d)
    opts.onProgress?.({ stage: 'encode', current: inputs.length, total: inputs.length })
    return out
  }

  /** The learned state, JSON-serialisable. */
  toJSON(): TfIdfState {
    this.requireFitted()
    return { config: { ...this.config }, terms: [...this.terms], idf: Array.from(this.idf), avgLength: this.avgLength }
  }

  /**
   * Rebuilds an encoder from {@link toJSON} output (also state written before `options` was
   * renamed `config`).
   *
   * @throws RecForgeError PARSE_ERROR when the state is malformed or holds options this build rejects.
   */
  static fromJSON(state: TfIdfState | (Omit<TfIdfState, 'config'> & { readonly options: TfIdfConfig })): TfIdfEncoder {
    if (!state || !Array.isArray(state.terms) || !Array.isArray(state.idf) || state.terms.length !== state.idf.length || state.terms.length === 0) {
      throw new RecForgeError('PARSE_ERROR', 'TfIdfEncoder.fromJSON: expected { config, terms, idf, avgLength } with equally long, non-empty terms and idf')
    }
    let enc: TfIdfEncoder
    try {
      enc = new TfIdfEncoder('config' in state ? state.config : state.options)
    } catch (e) {
      if (!isRecForgeError(e, 'INVALID_ARGUMENT')) throw e
      throw new RecForgeError('PARSE_ERROR', `TfIdfEncoder.fromJSON: the saved options are rejected: ${e.message}`, { cause: e })
    }
    enc.setState([...state.terms], state.idf, state.avgLength)
    return enc
  }

  async dispose(): Promise<void> {}
}
