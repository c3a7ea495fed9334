import { RecForgeError, isRecForgeError, type Encoder } from '@recforge/core'
import { CachedEncoder, EmbeddingCache, HashingEncoder, TfIdfEncoder } from '@recforge/encoders'

/** Which text encoder a content model uses. `auto`: the Universal Sentence Encoder when its packages are installed, else TF-IDF. */
export type TextEncoderKind = 'auto' | 'use' | 'tfidf' | 'bm25' | 'hashing' | 'transformers'

/** How to build the text encoder of a content model. */
export interface TextEncoderSpec {
  /** The encoder. Defaults to `'auto'`. */
  encoder?: TextEncoderKind
  /** transformers.js model id or folder name (`encoder: 'transformers'`). Defaults to `'Xenova/all-MiniLM-L6-v2'`. */
  model?: string
  /** Folder that holds transformers.js model folders; set it to run offline. Defaults to `''` (the Hub and transformers.js' cache). */
  modelPath?: string
  /** Vector size of the hashing encoder. Defaults to `1024`. */
  dimensions?: number
  /** Vocabulary size of TF-IDF / BM25. Defaults to `4096`. */
  maxFeatures?: number
  /** Keep vectors in the persistent embedding cache (`RECFORGE_CACHE`, else `~/.cache/recforge/embeddings`). Defaults to `true`. */
  cache?: boolean
}

/**
 * Builds the text encoder a spec names; TF-IDF and BM25 are fitted on `corpus` (the catalogue's
 * item texts). Pretrained encoders are wrapped in the persistent embedding cache.
 *
 * @example
 * ```ts
 * const enc = await createTextEncoder({ encoder: 'hashing', dimensions: 512 }, itemTexts)
 * ```
 * @throws RecForgeError MISSING_DEPENDENCY when `use` or `transformers` is asked for and its packages are absent.
 */
export async function createTextEncoder(spec: TextEncoderSpec, corpus: readonly string[], log?: (message: string) => void): Promise<Encoder<string>> {
  const kind = spec.encoder ?? 'auto'
  let enc: Encoder<string>
  switch (kind) {
    case 'tfidf':
    case 'bm25':
      return new TfIdfEncoder({ weighting: kind, maxFeatures: spec.maxFeatures ?? 4096 }).fit(corpus)
    case 'hashing':
      return new HashingEncoder({ dimensions: spec.dimensions ?? 1024 })
    case 'use':
    case 'auto': {
      try {
        const { loadUniversalSentenceEncoder } = await import('@recforge/encoders/use')
        enc = await loadUniversalSentenceEncoder()
      } catch (e) {
        if (kind === 'auto' && isRecForgeError(e) && (e.code === 'MISSING_DEPENDENCY' || e.code === 'BACKEND_UNAVAILABLE')) {
          log?.(`Universal Sentence Encoder unavailable (${e.message}); using TF-IDF`)
          return new TfIdfEncoder({ maxFeatures: spec.maxFeatures ?? 4096 }).fit(corpus)
        }
        throw e
      }
      break
    }
    case 'transformers': {
      const { loadTransformersTextEncoder } = await import('@recforge/encoders/transformers')
      enc = await loadTransformersTextEncoder({ model: spec.model || 'Xenova/all-MiniLM-L6-v2', ...(spec.modelPath ? { localModelPath: spec.modelPath } : {}) })
      break
    }
    default:
      throw new RecForgeError('INVALID_ARGUMENT', `unknown text encoder ${JSON.stringify(kind)}; expected auto, use, tfidf, bm25, hashing or transformers`)
  }
  return spec.cache === false ? enc : new CachedEncoder(enc, { cache: new EmbeddingCache() })
}
