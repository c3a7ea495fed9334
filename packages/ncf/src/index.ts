export { NCFModel, GMF, MLP, NeuMF, NCF_DEFAULTS, parseLayers } from './ncf'
export type { NCFConfig, NCFKind, NCFObjective, NCFFitReport } from './ncf'
export { ncfModels } from './registry'
