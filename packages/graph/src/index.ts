export { LightGCN, LIGHTGCN_PARAMS } from './lightgcn'
export type { LightGCNConfig, LightGCNFitReport } from './lightgcn'
export { graphModels, lightGcnModel } from './registry'
