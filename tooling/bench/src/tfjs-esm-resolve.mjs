// For benchmarks run by plain Node from TypeScript sources (node --import this --import tsx ...):
// TensorFlow.js's ESM files (tfjs-core's gradients, and packages built the same way) use
// extensionless and directory imports, which bundlers allow and Node's ESM resolver rejects. This
// resolve hook retries such a failed import with `.js` and `/index.js`: always for a directory
// import, and for any failure inside tfjs-core. The built packages never take this path.
import { register } from 'node:module'

const hooks = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context)
  } catch (e) {
    const dirImport = e && e.code === 'ERR_UNSUPPORTED_DIR_IMPORT'
    if (!dirImport && !/tfjs-core/.test(specifier + (context.parentURL ?? ''))) throw e
    const base = specifier.replace(/\\/$/, '')
    for (const suffix of ['.js', '/index.js']) {
      try {
        return await next(base + suffix, context)
      } catch {}
    }
    throw e
  }
}
`
register('data:text/javascript,' + encodeURIComponent(hooks))
