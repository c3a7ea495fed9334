export { RecForgeError, isRecForgeError, parseError, invariant, checkNumber, throwIfAborted } from './errors'
export type { RecForgeErrorCode, ErrorLocation } from './errors'
export { Random } from './random'
export { IdVocabulary, rangeVocabulary } from './vocabulary'
export type { Vocabulary } from './vocabulary'
export {
  nnz,
  userRow,
  fromCoo,
  toCoo,
  transpose,
  filterEntries,
  itemCounts,
  sortedRow,
  sortedHas,
  validateInteractions,
  InteractionsBuilder,
} from './interactions'
export type { Interactions, CooInput, ItemMajor } from './interactions'
export type {
  ScoredItems,
  ProgressEvent,
  RunOptions,
  FitOptions,
  RecommendOptions,
  ModelArtifacts,
  Recommender,
  Encoder,
  Metric,
  SearchResult,
  VectorIndex,
  EvalSplit,
  IncrementalRecommender,
} from './types'
export { isIncremental } from './types'
export { topK } from './topk'
export { crc32, encodeArtifacts, decodeArtifacts, requireTensor, checkArtifacts } from './artifacts'
export { BaseRecommender } from './recommender'
export type { SeenItems } from './recommender'
export { ModelRegistry, resolveParams } from './registry'
export type { ModelDefinition, ParamSpec, ParamValue, ParamValues, ModelTask } from './registry'
export { plantedFixture, emptyInteractions } from './fixtures'
export type { PlantedFixture } from './fixtures'
export { itemText } from './side'
export type { ItemSideInfo } from './side'
