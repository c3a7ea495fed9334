export { RecForgeError, isRecForgeError, parseError, invariant, checkNumber, throwIfAborted } from './errors'
export type { RecForgeErrorCode, ErrorLocation } from './errors'
export { Random, searchCumulative } from './random'
export { IdVocabulary, rangeVocabulary, checkId } from './vocabulary'
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
  EpochEvent,
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
export { TopKHeap, topK } from './topk'
export { crc32, encodeArtifacts, decodeArtifacts, requireTensor, checkArtifacts, nestArtifacts, unnestArtifacts } from './artifacts'
export type { ArtifactTensor } from './artifacts'
export { encryptBytes, decryptBytes, isEncryptedBytes, DEFAULT_PBKDF2_ITERATIONS } from './crypto'
export type { EncryptionKey } from './crypto'
export { BaseRecommender } from './recommender'
export type { SeenItems, ModelState, RecommenderClass } from './recommender'
export { ItemScoresRecommender } from './itemScores'
export { recommendFor } from './recommendFor'
export type { RecommendForOptions, RecommendedItem, RecommenderWithIds } from './recommendFor'
export { ModelRegistry, resolveParams, defineModel } from './registry'
export type { ModelClass, ModelDefinition, ModelEntry, ModelTask } from './registry'
export { param, defineParams, resolveConfig, defaultConfig, formatParamValue, describeParamType, renameParams, paramsTable } from './params'
export type {
  ParamSpec,
  ParamSchema,
  ParamValue,
  ParamValues,
  ParamValueOf,
  ConfigOf,
  ConfigInput,
  IntParam,
  FloatParam,
  BoolParam,
  EnumParam,
  StringParam,
  IntListParam,
  ResolveOptions,
} from './params'
export { PROTOCOLS, SPLIT_PROTOCOLS, EVAL_SPLIT_PROTOCOLS, isProtocol, protocolKind, parseProtocol } from './protocol'
export type { Protocol, SplitProtocol, EvalSplitProtocol, ProtocolKind } from './protocol'
export { plantedFixture, emptyInteractions } from './fixtures'
export type { PlantedFixture } from './fixtures'
export { itemText } from './side'
export type { ItemSideInfo } from './side'
