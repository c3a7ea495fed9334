export { UniversalSentenceEncoder, loadUniversalSentenceEncoder, USE_LITE_MODEL_ID, USE_PARAMS } from './use'
export type { UseConfig } from './use'
