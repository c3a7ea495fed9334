export type { BanditContext, BanditPolicy, LoggedEvents } from './types'
export { EpsilonGreedy, UCB1, ThompsonSampling, RandomPolicy } from './bandits'
export { LinUCB, LinearThompson } from './linear'
export type { LinearFeatureOptions } from './linear'
export { EPSILON_GREEDY_PARAMS, UCB1_PARAMS, THOMPSON_PARAMS, RANDOM_PARAMS, LINUCB_PARAMS, LINTS_PARAMS, DQN_PARAMS } from './params'
export type { EpsilonGreedyConfig, UCB1Config, ThompsonSamplingConfig, RandomPolicyConfig, LinUCBConfig, LinearThompsonConfig, DQNConfig } from './params'
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
export type { DQNVectors, TrainDQNOptions } from './dqn'
export { rlPolicies, createPolicy } from './policies'
export { savePolicyState, restorePolicyState } from './persist'
export type { PolicyDefinition, PolicyEnvironment } from './policies'
