import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { RecForgeError } from '@recforge/core'
import { readLines, type LineReaderOptions, type LineReaderResult } from './lines'
import type { ByteSource } from './source'

/**
 * A {@link ByteSource} over a file on disk, read in chunks of `chunkSize` bytes.
 *
 * @example
 * ```ts
 * const ds = await loadDelimitedFrom(fileSource('events.tsv'))
 * ```
 * @throws RecForgeError (from `open`) IO_ERROR when the file cannot be read.
 */
export function fileSource(file: string): ByteSource {
  return {
    name: file,
    async open(chunkSize) {
      let size: number
      try {
        size = (await stat(file)).size
      } catch (e) {
        throw new RecForgeError('IO_ERROR', `cannot read ${file}: ${(e as Error).message}`, { cause: e })
      }
      // leaving the loop early (abort, error) returns the iterator, which closes the file
      return { size, chunks: createReadStream(file, { highWaterMark: chunkSize }) as AsyncIterable<Uint8Array> }
    },
  }
}

/**
 * Streams a text file record by record: {@link readLines} over {@link fileSource}`(file)`.
 *
 * @example
 * ```ts
 * await forEachLine('ratings.csv', (line, n) => { if (n > 1) rows++ })
 * ```
 * @throws RecForgeError IO_ERROR when the file cannot be read; PARSE_ERROR on invalid UTF-8 or an unterminated quoted field; ABORTED when the signal fires.
 */
export function forEachLine(file: string | ByteSource, onRecord: (record: string, line: number) => void, opts: LineReaderOptions = {}): Promise<LineReaderResult> {
  return readLines(typeof file === 'string' ? fileSource(file) : file, onRecord, opts)
}
