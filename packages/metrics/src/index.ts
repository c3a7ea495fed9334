export { rmse, mae } from './rating'
export { precisionAtK, recallAtK, f1AtK, ndcgAtK, mapAtK, mrrAtK, hitRateAtK, rankingAtK, auc } from './ranking'
export type { RelevantItems, RankingFigures, RankingMetric } from './ranking'
export {
  catalogueCoverage,
  trainingPopularity,
  novelty,
  averagePopularity,
  giniIndex,
  intraListDiversity,
  cosineSimilarity,
  userOverlapSimilarity,
} from './beyond'
export {
  logGamma,
  regularizedIncompleteBeta,
  studentTCdf,
  studentTTwoSidedP,
  studentTQuantile,
  normalCdf,
  normalQuantile,
  mean,
  sampleStd,
  confidenceInterval,
  pairedTTest,
  wilcoxonSignedRank,
} from './stats'
export type { TTestResult, WilcoxonResult } from './stats'
export { evaluateSplit, aggregateResults, metricsForProtocol } from './evaluate'
export type { EvaluateOptions, SplitResult } from './evaluate'
export { compareModels } from './compare'
export type { ModelComparison } from './compare'
