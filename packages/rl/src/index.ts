export type { BanditContext, BanditPolicy, LoggedEvents } from './types'
export { EpsilonGreedy, UCB1, ThompsonSampling, RandomPolicy, EPSILON_GREEDY_PARAMS, UCB1_PARAMS, THOMPSON_PARAMS, RANDOM_PARAMS } from './bandits'
export type { EpsilonGreedyConfig, UCB1Config, ThompsonSamplingConfig, RandomPolicyConfig } from './bandits'
export { LinUCB, LinearThompson, LINUCB_PARAMS, LINTS_PARAMS } from './linear'
export type { LinearFeatureOptions, LinUCBConfig, LinearThompsonConfig } from './linear'
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
export { DQNPolicy, DQN_PARAMS, trainDQN, evaluateInSimulator } from './dqn'
export type { DQNConfig, DQNVectors, TrainDQNOptions } from './dqn'
export { rlPolicies, createPolicy } from './policies'
export { savePolicyState, restorePolicyState } from './persist'
export type { PolicyDefinition, PolicyEnvironment } from './policies'
