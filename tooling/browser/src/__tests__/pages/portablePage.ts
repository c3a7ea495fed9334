// Bundled for the browser by browser.test.ts: see portable.ts.
import { portableRun } from './portable'

async function runPortable() {
  const started = performance.now()
  const result = await portableRun()
  return { ...result, isolated: globalThis.crossOriginIsolated, seconds: (performance.now() - started) / 1000 }
}

;(globalThis as { runPortable?: typeof runPortable }).runPortable = runPortable
