import type { ModelArtifacts, ModelDefinition, ParamSpec, ParamValues } from '@recforge/core'
import { ContentRecommender, type ContentConfig } from './content'
import { HybridRecommender, type HybridConfig } from './hybrid'

const contentParams: Record<string, ParamSpec> = {
  encoder: { type: 'enum', default: 'auto', values: ['auto', 'use', 'tfidf', 'bm25', 'hashing', 'transformers'], description: 'text encoder (auto: Universal Sentence Encoder lite when installed, else TF-IDF)' },
  model: { type: 'string', default: '', description: 'transformers.js model id or folder (encoder=transformers; empty: Xenova/all-MiniLM-L6-v2)' },
  modelPath: { type: 'string', default: '', description: 'folder of local transformers.js models (offline)' },
  dimensions: { type: 'int', default: 1024, min: 1, description: 'vector size of the hashing encoder' },
  maxFeatures: { type: 'int', default: 4096, min: 1, description: 'vocabulary size of tfidf / bm25' },
  similarity: { type: 'enum', default: 'cosine', values: ['cosine', 'dot', 'euclidean'], description: 'user-item similarity' },
  profile: { type: 'enum', default: 'rating', values: ['rating', 'binary'], description: 'weight of each item in the user profile' },
  userTextWeight: { type: 'float', default: 0.5, min: 0, max: 1, description: "weight of the user's own text against their item profile" },
  maxTags: { type: 'int', default: 20, min: 0, description: 'tags per item in its text' },
  cache: { type: 'bool', default: true, description: 'persistent embedding cache (RECFORGE_CACHE or ~/.cache/recforge/embeddings)' },
}

function contentConfig(p: ParamValues): ContentConfig {
  return {
    encoder: p.encoder as ContentConfig['encoder'],
    model: p.model as string,
    modelPath: p.modelPath as string,
    dimensions: p.dimensions as number,
    maxFeatures: p.maxFeatures as number,
    similarity: p.similarity as ContentConfig['similarity'],
    profile: p.profile as ContentConfig['profile'],
    userTextWeight: p.userTextWeight as number,
    maxTags: p.maxTags as number,
    cache: p.cache as boolean,
  }
}

/** `content`: LLM4Rec similarity between user and item text embeddings. */
export const contentModel: ModelDefinition = {
  name: 'content',
  description: 'Content-based (LLM4Rec): cosine similarity of pretrained text embeddings of items and user profiles',
  package: '@recforge/content',
  task: 'ranking',
  needsItemInfo: true,
  params: contentParams,
  create: (p) => new ContentRecommender(contentConfig(p)),
  load: (a: ModelArtifacts) => ContentRecommender.load(a),
}

/** `hybrid`: CF from @recforge/mf, content and popularity blended per user evidence, learned on a validation slice. */
export const hybridModel: ModelDefinition = {
  name: 'hybrid',
  description: 'Hybrid: ALS/BPR, content similarity and popularity, blend learned per user evidence on a validation slice; content→CF projection for new items',
  package: '@recforge/content',
  task: 'ranking',
  needsItemInfo: true,
  params: {
    ...contentParams,
    cf: { type: 'enum', default: 'als', values: ['als', 'bpr'], description: 'collaborative-filtering model from @recforge/mf' },
    cfFactors: { type: 'int', default: 64, min: 1, description: 'latent factors of the CF model' },
    blend: { type: 'enum', default: 'learned', values: ['learned', 'evidence'], description: 'learned: CF/content/popularity weights per user-evidence bucket from a validation slice; evidence: fixed n/(n + userWarmup) rule' },
    validationFraction: { type: 'float', default: 0.3, min: 0.01, max: 1, description: 'share of the users cut down for the validation slice (blend=learned)' },
    validationUsers: { type: 'int', default: 300, min: 1, description: 'at most this many validation users per kind (new, warm)' },
    cfWeight: { type: 'float', default: 0.8, min: 0, max: 1, description: 'blend=evidence: largest share of the score given to CF (warm user and item)' },
    itemWarmup: { type: 'float', default: 5, min: 0, description: 'interactions at which an item is half warm' },
    userWarmup: { type: 'float', default: 5, min: 0, description: 'blend=evidence: interactions at which a user is half warm' },
    projection: { type: 'bool', default: true, description: 'project content vectors into the CF item space for new items' },
    ridge: { type: 'float', default: 10, min: 0, description: 'ridge penalty of that projection' },
    seed: { type: 'int', default: 42, description: 'seed of the CF model and the validation slice' },
  },
  create: (p) =>
    new HybridRecommender({
      blend: p.blend as HybridConfig['blend'],
      validationFraction: p.validationFraction as number,
      validationUsers: p.validationUsers as number,
      ...contentConfig(p),
      cf: p.cf as HybridConfig['cf'],
      cfFactors: p.cfFactors as number,
      cfWeight: p.cfWeight as number,
      itemWarmup: p.itemWarmup as number,
      userWarmup: p.userWarmup as number,
      projection: p.projection as boolean,
      ridge: p.ridge as number,
      seed: p.seed as number,
    }),
  load: (a: ModelArtifacts) => HybridRecommender.load(a),
}

/** The models of this package, for `recforge` to register by name. */
export const contentModels: readonly ModelDefinition[] = [contentModel, hybridModel]
