// tfjs-core's ESM files (dist/register_all_gradients.js and what it imports) use extensionless
// and directory imports, which Node's ESM resolver rejects. This hook retries such specifiers
// with `.js` and `/index.js` so the benchmark can run under plain Node + tsx.
import { register } from 'node:module'

register(
  'data:text/javascript,' +
    encodeURIComponent(`
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
}`),
  import.meta.url,
)
