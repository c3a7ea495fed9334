import { fileURLToPath } from 'node:url'
import { RecForgeError } from '@recforge/core'

/**
 * Imports an optional peer dependency at run time; a missing package becomes MISSING_DEPENDENCY
 * naming what to install. The specifier is a variable so bundlers leave it alone.
 */
export async function importOptional<T>(specifier: string, install: string, purpose: string): Promise<T> {
  try {
    return (await import(/* @vite-ignore */ specifier)) as T
  } catch (e) {
    const msg = (e as Error).message ?? String(e)
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' || (e as { code?: string }).code === 'MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(msg)) {
      throw new RecForgeError('MISSING_DEPENDENCY', `${purpose} needs ${specifier}, which is not installed; add it with \`npm i ${install}\``, { cause: e })
    }
    throw new RecForgeError('BACKEND_UNAVAILABLE', `${specifier} is installed but failed to load: ${msg.split('\n')[0]}`, { cause: e })
  }
}

/** This module's own file path, in both the ESM and the CommonJS build. */
export function thisFile(): string {
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url)
}
