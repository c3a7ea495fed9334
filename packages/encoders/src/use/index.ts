export { UniversalSentenceEncoder, loadUniversalSentenceEncoder, USE_LITE_MODEL_ID } from './use'
export type { UseOptions } from './use'
