import { decryptBytes, encryptBytes, isEncryptedBytes, RecForgeError, type EncryptionKey } from '@recforge/core'

/**
 * The environment variable holding the secret that model files and the embedded event store are
 * encrypted with (AES-256-GCM, a per-file key derived by HKDF-SHA-256; at least 16 bytes). Unset:
 * nothing is encrypted.
 */
export const ENCRYPTION_KEY_ENV = 'RECFORGE_ENCRYPTION_KEY'

/** The at-rest key from the environment, or undefined when encryption is off. */
export function atRestKey(): EncryptionKey | undefined {
  const secret = process.env[ENCRYPTION_KEY_ENV]
  return secret === undefined || secret === '' ? undefined : { secret }
}

/** `@recforge/core/node`'s artifacts-file options for the at-rest key (none when encryption is off). */
export function atRestFileOptions(): { key?: EncryptionKey } {
  const key = atRestKey()
  return key ? { key } : {}
}

/** The bytes of a file to write: encrypted and authenticated with the at-rest key, or as they are when encryption is off. */
export async function sealAtRest(bytes: Uint8Array, key = atRestKey()): Promise<Uint8Array> {
  return key ? encryptBytes(bytes, key) : bytes
}

/**
 * The plain bytes of a file read from disk: decrypted and authenticated when encryption is on.
 *
 * @throws RecForgeError CHECKSUM_MISMATCH naming the file for a wrong key or changed bytes;
 *   INVALID_ARGUMENT for an encrypted file without a key, or a plain file while encryption is on
 *   (so a file swapped in unencrypted is not trusted).
 */
export async function openAtRest(bytes: Uint8Array, file: string, key = atRestKey()): Promise<Uint8Array> {
  const location = { location: { file } }
  if (!isEncryptedBytes(bytes)) {
    if (!key) return bytes
    throw new RecForgeError('INVALID_ARGUMENT', `${file} is not encrypted, but ${ENCRYPTION_KEY_ENV} is set; write it again with the key (\`recforge train\`), or unset the key to read it`, location)
  }
  if (!key) throw new RecForgeError('INVALID_ARGUMENT', `${file} is encrypted; set ${ENCRYPTION_KEY_ENV} to the key it was written with`, location)
  try {
    return await decryptBytes(bytes, key, { source: file })
  } catch (e) {
    if (e instanceof RecForgeError) throw new RecForgeError(e.code, `${e.message}; check ${ENCRYPTION_KEY_ENV}`, { ...location, cause: e })
    throw e
  }
}
