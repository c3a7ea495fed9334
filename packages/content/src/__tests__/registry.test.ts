import { describeModelDefinition } from '@recforge/core/testing'
import { ContentRecommender, HybridRecommender, contentModel, hybridModel } from '../index'
import { plantedItemInfo } from './helpers'

const itemInfo = plantedItemInfo()
// TF-IDF without the embedding cache keeps every fit fast and leaves nothing on disk
const fast = { encoder: 'tfidf', cache: false } as const
const transformers = { model: 'Xenova/bge-small-en-v1.5', modelPath: '/models' }

describeModelDefinition(contentModel, {
  construct: (c) => new ContentRecommender(c),
  fast,
  vary: transformers,
  fitOptions: { itemInfo },
})

describeModelDefinition(hybridModel, {
  construct: (c) => new HybridRecommender(c),
  fast: { ...fast, factors: 8 },
  vary: transformers,
  fitOptions: { itemInfo },
})
