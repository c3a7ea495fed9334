import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { decodeArtifacts, encodeArtifacts } from './artifacts'
import { decryptBytes, encryptBytes, isEncryptedBytes, type EncryptionKey } from './crypto'
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

/** Options of {@link saveArtifactsFile} and {@link loadArtifactsFile}. */
export interface ArtifactsFileOptions {
  /**
   * Encrypts the file at rest with AES-256-GCM (see `encryptBytes` in `@recforge/core`): saved
   * files are then unreadable, and any change to them detectable, without this key. A file saved
   * with a key loads only with the same key. Defaults to none (a plain, checksummed file).
   */
  readonly key?: EncryptionKey
}

/**
 * Saves model artifacts to `file` (atomic, checksummed; encrypted and authenticated when a `key` is given).
 *
 * @example
 * ```ts
 * await saveArtifactsFile('model.rfm', await model.save(), { key: { secret: process.env.RECFORGE_MODEL_KEY! } })
 * ```
 * @throws RecForgeError IO_ERROR when the folder cannot be written; INVALID_ARGUMENT for a malformed key.
 */
export async function saveArtifactsFile(file: string, artifacts: ModelArtifacts, opts: ArtifactsFileOptions = {}): Promise<void> {
  const bytes = encodeArtifacts(artifacts)
  await writeFileAtomic(file, opts.key === undefined ? bytes : await encryptBytes(bytes, opts.key))
}

/**
 * Loads artifacts saved by {@link saveArtifactsFile}, verifying the checksum (and, for an encrypted
 * file, decrypting and authenticating it with `key`).
 *
 * @example
 * ```ts
 * const artifacts = await loadArtifactsFile('model.rfm', { key: { secret: process.env.RECFORGE_MODEL_KEY! } })
 * ```
 * @throws RecForgeError IO_ERROR when the file cannot be read; CHECKSUM_MISMATCH naming the file for a
 *   wrong key or an encrypted file that was changed; INVALID_ARGUMENT for an encrypted file without a
 *   key, a plain file with a key, or a key of another kind than the file's; PARSE_ERROR for a file
 *   that is not a RecForge model file.
 */
export async function loadArtifactsFile(file: string, opts: ArtifactsFileOptions = {}): Promise<ModelArtifacts> {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await readFile(file))
  } catch (e) {
    throw new RecForgeError('IO_ERROR', `could not read model file ${file}: ${(e as Error).message}`, { cause: e })
  }
  if (isEncryptedBytes(bytes)) {
    if (opts.key === undefined) throw new RecForgeError('INVALID_ARGUMENT', `model file ${file} is encrypted; load it with the key it was saved with`)
    bytes = await decryptBytes(bytes, opts.key, { source: `model file ${file}` })
  } else if (opts.key !== undefined) {
    throw new RecForgeError('INVALID_ARGUMENT', `model file ${file} is not encrypted, but a key was given; load it without a key (and save it again with the key to encrypt it)`)
  }
  return decodeArtifacts(bytes, file)
}
