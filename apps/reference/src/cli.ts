#!/usr/bin/env node
// The entry point. Registered before anything imports TensorFlow.js: running from TypeScript
// sources (tsx), tfjs-core's ESM gradient files use extensionless and directory imports that
// Node's resolver rejects, so such failures are retried with `.js` and `/index.js`. The built app
// bundles those files and never takes that path.
import { register } from 'node:module'

const TFJS_RESOLVE = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context)
  } catch (e) {
    if (!/tfjs-core/.test(specifier + (context.parentURL ?? ''))) throw e
    for (const suffix of ['.js', '/index.js']) {
      try { return await next(specifier + suffix, context) } catch {}
    }
    throw e
  }
}`
register('data:text/javascript,' + encodeURIComponent(TFJS_RESOLVE), import.meta.url)

const { runMain } = await import('./main')
await runMain(process.argv.slice(2))
