import { RecForgeError, type Metric } from '@recforge/core'

/** Loads an optional peer dependency, turning a missing install into MISSING_DEPENDENCY. */
export async function importPeer<T>(name: string, load: () => Promise<T>, entry: string): Promise<T> {
  try {
    return await load()
  } catch (e) {
    throw new RecForgeError(
      'MISSING_DEPENDENCY',
      `${entry} needs the optional package "${name}", which could not be loaded (${(e as Error).message}); install it with \`npm install ${name}\``,
      { cause: e },
    )
  }
}

/** Runs `fn` with a path in a fresh temporary folder, removing the folder afterwards. */
export async function withTempFile<T>(fn: (file: string) => T | Promise<T>): Promise<T> {
  const { mkdtemp, rm } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const path = await import('node:path')
  const dir = await mkdtemp(path.join(tmpdir(), 'recforge-index-'))
  try {
    return await fn(path.join(dir, 'index.bin'))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Native libraries report inner-product distance as `1 - dot`; RecForge's convention is `-dot`.
 * Cosine (`1 - cos`) and squared L2 already agree.
 */
export function nativeDistanceShift(metric: Metric): number {
  return metric === 'ip' ? -1 : 0
}
