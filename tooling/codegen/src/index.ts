export { checkGenerated, findGenerated, generate, renderGenerated, repositoryRoot } from './generated'
export type { GeneratedCheck, GeneratedModule } from './generated'
export { WABT_VERSION, compileWat } from './wat'
export { ESBUILD_VERSION, bundleWorker } from './worker'
