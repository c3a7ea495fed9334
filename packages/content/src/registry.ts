import { defineModel, type ModelDefinition } from '@recforge/core'
import { CONTENT_PARAMS, ContentRecommender } from './content'
import { HYBRID_PARAMS, HybridRecommender } from './hybrid'

/** `content`: LLM4Rec similarity between user and item text embeddings. */
export const contentModel: ModelDefinition = defineModel({ name: 'content', task: 'ranking', needsItemInfo: true, params: CONTENT_PARAMS, model: ContentRecommender, package: '@recforge/content', description: 'Content-based (LLM4Rec): cosine similarity of pretrained text embeddings of items and user profiles' })

/** `hybrid`: CF from @recforge/mf, content and popularity blended per user evidence, learned on a validation slice. */
export const hybridModel: ModelDefinition = defineModel({ name: 'hybrid', task: 'ranking', needsItemInfo: true, params: HYBRID_PARAMS, model: HybridRecommender, package: '@recforge/content', description: 'Hybrid: ALS/BPR, content similarity and popularity, blend learned per user evidence on a validation slice; content→CF projection for new items' })

/**
 * The models of this package, for `recforge` to register by name.
 *
 * @example
 * ```ts
 * const registry = new ModelRegistry().register(...contentModels)
 * const { model } = registry.create('hybrid', { encoder: 'tfidf', factors: 32 })
 * ```
 */
export const contentModels: readonly ModelDefinition[] = [contentModel, hybridModel]
