// Lets plain Node load @tensorflow/tfjs-core's ESM files, which import directories
// ('./gradients') the way bundlers allow and Node's ESM resolver does not. Benchmarks only.
import { register } from 'node:module'

const hooks = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context)
  } catch (e) {
    if (!e || e.code !== 'ERR_UNSUPPORTED_DIR_IMPORT') throw e
    const base = specifier.replace(/\\/$/, '')
    try {
      return await next(base + '.js', context)
    } catch {
      return next(base + '/index.js', context)
    }
  }
}
`
register('data:text/javascript,' + encodeURIComponent(hooks))
