import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { decodeArtifacts, encodeArtifacts } from './artifacts'
import { RecForgeError } from './errors'
import type { ModelArtifacts } from './types'

/**
 * Writes a file atomically: to a temporary file in the same folder, fsync, then rename over the
 * target. A crash leaves the old file or the new one, never half of one.
 *
 * @throws RecForgeError IO_ERROR when the folder cannot be written.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = path.dirname(file)
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    await mkdir(dir, { recursive: true })
    const fh = await open(tmp, 'w')
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, file)
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {})
    throw new RecForgeError('IO_ERROR', `could not write ${file}: ${(e as Error).message}`, { cause: e })
  }
}

/** Saves model artifacts to `file` (atomic, checksummed). */
export async function saveArtifactsFile(file: string, artifacts: ModelArtifacts): Promise<void> {
  await writeFileAtomic(file, encodeArtifacts(artifacts))
}

/** Loads artifacts saved by {@link saveArtifactsFile}, verifying the checksum. */
export async function loadArtifactsFile(file: string): Promise<ModelArtifacts> {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await readFile(file))
  } catch (e) {
    throw new RecForgeError('IO_ERROR', `could not read model file ${file}: ${(e as Error).message}`, { cause: e })
  }
  return decodeArtifacts(bytes, file)
}
