import { readFile } from 'node:fs/promises'
import { RecForgeError } from '@recforge/core'
import { writeFileAtomic } from '@recforge/core/node'
import { ExactIndex } from './exact'
import { HnswIndex } from './hnsw'

async function readIndexFile(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file))
  } catch (e) {
    throw new RecForgeError('IO_ERROR', `could not read index file ${file}: ${(e as Error).message}`, { cause: e })
  }
}

/**
 * Writes an index's bytes (`toBytes()`, as `save()` gives them) to `file` atomically:
 * temporary file, fsync, rename, so a crash leaves the old file or the new one.
 *
 * @example
 * ```ts
 * await saveIndexFile(index, 'items.hnsw')
 * ```
 * @throws RecForgeError IO_ERROR when the file cannot be written.
 */
export async function saveIndexFile(index: ExactIndex | HnswIndex, file: string): Promise<void> {
  await writeFileAtomic(file, index.toBytes())
}

/**
 * Loads an {@link ExactIndex} written by {@link saveIndexFile}, verifying its checksum.
 *
 * @example
 * ```ts
 * const index = await loadExactIndexFile('items.exact')
 * ```
 * @throws RecForgeError IO_ERROR when unreadable; CHECKSUM_MISMATCH when corrupt; PARSE_ERROR or UNSUPPORTED_VERSION for another file.
 */
export async function loadExactIndexFile(file: string): Promise<ExactIndex> {
  return ExactIndex.fromBytes(await readIndexFile(file), file)
}

/**
 * Loads an {@link HnswIndex} written by {@link saveIndexFile}, verifying its checksum.
 *
 * @example
 * ```ts
 * const index = await loadHnswIndexFile('items.hnsw')
 * ```
 * @throws RecForgeError IO_ERROR when unreadable; CHECKSUM_MISMATCH when corrupt; PARSE_ERROR or UNSUPPORTED_VERSION for another file.
 */
export async function loadHnswIndexFile(file: string): Promise<HnswIndex> {
  return HnswIndex.fromBytes(await readIndexFile(file), file)
}
