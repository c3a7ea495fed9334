import { defineParams, isRecForgeError, param, resolveConfig, type ConfigOf, type Encoder } from '@recforge/core'
import { CachedEncoder, EmbeddingCache, HASHING_PARAMS, HashingEncoder, TFIDF_PARAMS, TfIdfEncoder } from '@recforge/encoders'

/** The parameters that pick and build a content model's text encoder (part of `content` and `hybrid`). */
export const TEXT_ENCODER_PARAMS = defineParams({
  encoder: param.enumOf({
    values: ['auto', 'use', 'tfidf', 'bm25', 'hashing', 'transformers'],
    default: 'auto',
    description: 'text encoder (auto: Universal Sentence Encoder lite when installed, else TF-IDF)',
  }),
  model: param.string({ default: '', description: 'transformers.js model id or folder (encoder=transformers; empty: Xenova/all-MiniLM-L6-v2)' }),
  modelPath: param.string({ default: '', description: 'folder of local transformers.js models, for offline use (empty: the Hub and its cache)' }),
  dimensions: { ...HASHING_PARAMS.dimensions, description: 'vector size of the hashing encoder' },
  maxFeatures: { ...TFIDF_PARAMS.maxFeatures, description: 'vocabulary size of tfidf / bm25' },
  cache: param.bool({ default: true, description: 'persistent embedding cache (RECFORGE_CACHE, else ~/.cache/recforge/embeddings)' }),
})

/** How to build the text encoder of a content model: see {@link TEXT_ENCODER_PARAMS}. */
export type TextEncoderConfig = ConfigOf<typeof TEXT_ENCODER_PARAMS>

/** Which text encoder a content model uses. `auto`: the Universal Sentence Encoder when its packages are installed, else TF-IDF. */
export type TextEncoderKind = TextEncoderConfig['encoder']

const TEXT_ENCODER_KEYS = Object.keys(TEXT_ENCODER_PARAMS)

/**
 * Builds the text encoder a config names; TF-IDF and BM25 are fitted on `corpus` (the catalogue's
 * item texts). Pretrained encoders are wrapped in the persistent embedding cache. Keys other than
 * the {@link TEXT_ENCODER_PARAMS} are ignored, so a whole content or hybrid config can be passed.
 *
 * @example
 * ```ts
 * const enc = await createTextEncoder({ encoder: 'hashing', dimensions: 512 }, itemTexts)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a bad value of one of its parameters; MISSING_DEPENDENCY when `use` or `transformers` is asked for and its packages are absent.
 */
export async function createTextEncoder(config: Partial<TextEncoderConfig>, corpus: readonly string[], log?: (message: string) => void): Promise<Encoder<string>> {
  const given = Object.fromEntries(Object.entries(config).filter(([key]) => TEXT_ENCODER_KEYS.includes(key)))
  const c = resolveConfig(TEXT_ENCODER_PARAMS, given, { model: 'text encoder' })
  let enc: Encoder<string>
  switch (c.encoder) {
    case 'tfidf':
    case 'bm25':
      return new TfIdfEncoder({ weighting: c.encoder, maxFeatures: c.maxFeatures }).fit(corpus)
    case 'hashing':
      return new HashingEncoder({ dimensions: c.dimensions })
    case 'use':
    case 'auto': {
      try {
        const { loadUniversalSentenceEncoder } = await import('@recforge/encoders/use')
        enc = await loadUniversalSentenceEncoder()
      } catch (e) {
        if (c.encoder === 'auto' && isRecForgeError(e) && (e.code === 'MISSING_DEPENDENCY' || e.code === 'BACKEND_UNAVAILABLE')) {
          log?.(`Universal Sentence Encoder unavailable (${e.message}); using TF-IDF`)
          return new TfIdfEncoder({ maxFeatures: c.maxFeatures }).fit(corpus)
        }
        throw e
      }
      break
    }
    case 'transformers': {
      const { loadTransformersTextEncoder } = await import('@recforge/encoders/transformers')
      enc = await loadTransformersTextEncoder({ ...(c.model ? { model: c.model } : {}), ...(c.modelPath ? { localModelPath: c.modelPath } : {}) })
      break
    }
  }
  return c.cache ? new CachedEncoder(enc, { cache: new EmbeddingCache() }) : enc
}
