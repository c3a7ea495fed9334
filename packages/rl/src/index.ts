export type { BanditContext, BanditPolicy, LoggedEvents } from './types'
export { EpsilonGreedy, UCB1, ThompsonSampling, RandomPolicy } from './bandits'
export type { EpsilonGreedyOptions, UCB1Options, ThompsonSamplingOptions, RandomPolicyOptions } from './bandits'
export { LinUCB, LinearThompson } from './linear'
export type { LinearFeatureOptions, LinearBanditOptions, LinUCBOptions, LinearThompsonOptions } from './linear'
export { buildLoggedDataset } from './logged'
export type { BuildLoggedOptions } from './logged'
export {
  replayEvaluate,
  ipsEstimate,
  doublyRobustEstimate,
  itemMeanRewardModel,
  trueValue,
  onlineRun,
  eventContext,
  actionProbabilities,
} from './ope'
export type { ReplayOptions, ReplayResult, Estimate, EstimatorOptions, DoublyRobustOptions, RewardEstimate, OnlineRunResult } from './ope'
export { MFRewardModel, fitRewardModel, SessionSimulator } from './simulator'
export type { RewardModel, MFRewardModelOptions, SessionSimulatorOptions, SessionState } from './simulator'
export { DQNPolicy, trainDQN, evaluateInSimulator } from './dqn'
export type { DQNOptions, TrainDQNOptions } from './dqn'
export { rlPolicies, createPolicy } from './policies'
export { savePolicyState, restorePolicyState } from './persist'
export type { PolicyDefinition, PolicyEnvironment } from './policies'
