// Bundled for the browser by browser.test.ts: trains GMF (@recforge/ncf) on TensorFlow.js's wasm
// backend, its .wasm files served by the test server under /tfjs/ (initBackend's wasmPaths).
import { initBackend, tf } from '@recforge/tf'
import { gmfRun } from './gmf'

async function runGmf() {
  const backend = await initBackend({ backend: 'wasm', wasmPaths: '/tfjs/' })
  const result = await gmfRun()
  return { ...result, backend: backend.name, tfBackend: tf.getBackend(), isolated: globalThis.crossOriginIsolated }
}

;(globalThis as { runGmf?: typeof runGmf }).runGmf = runGmf
