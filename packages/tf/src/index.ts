export { initBackend, tf } from './backend'
export type { BackendName, BackendInfo, InitBackendOptions } from './backend'
export { registerGatherGradient } from './gather'
