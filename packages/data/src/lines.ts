import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { parseError, RecForgeError, throwIfAborted, type RunOptions } from '@recforge/core'

/** Text encodings the line reader decodes. */
export type TextEncodingName = 'utf-8' | 'latin1'

/** Options for {@link forEachLine}. */
export interface LineReaderOptions extends RunOptions {
  /** How bytes become text; `utf-8` rejects invalid byte sequences with a PARSE_ERROR. Defaults to `'utf-8'`. */
  encoding?: TextEncodingName
  /** Join physical lines while an RFC-4180 quoted field is open, so a quoted field may contain newlines. Defaults to `false`. */
  quoted?: boolean
  /** Bytes per read. Defaults to `1048576`. */
  chunkSize?: number
}

/** Counts from a {@link forEachLine} pass. */
export interface LineReaderResult {
  /** Records passed to the callback (a quoted record spanning lines counts once). */
  records: number
  /** Physical lines in the file. */
  lines: number
  /** Bytes in the file. */
  bytes: number
}

const NL = 10

function decodeLines(bytes: Buffer, encoding: TextEncodingName, file: string, firstLine: number, decoder: TextDecoder): string {
  if (encoding === 'latin1') return bytes.toString('latin1')
  try {
    return decoder.decode(bytes)
  } catch (e) {
    // find the first line with invalid UTF-8 so the error can name it
    let start = 0
    let line = firstLine
    for (;;) {
      const end = bytes.indexOf(NL, start)
      const part = bytes.subarray(start, end < 0 ? bytes.length : end)
      try {
        decoder.decode(part)
      } catch {
        throw parseError('invalid UTF-8 bytes; expected UTF-8 text (MovieLens 100K/1M files are latin-1: use their loaders)', { file, line, text: part.toString('latin1') }, e)
      }
      if (end < 0) break
      start = end + 1
      line++
    }
    throw parseError('invalid UTF-8 bytes', { file, line: firstLine }, e)
  }
}

function countQuotes(s: string): number {
  let n = 0
  let p = s.indexOf('"')
  while (p >= 0) {
    n++
    p = s.indexOf('"', p + 1)
  }
  return n
}

/**
 * Streams a text file record by record from a byte-level reader: reads fixed-size chunks, cuts
 * them at the last newline, decodes each run of whole lines at once and hands every line (without
 * `\r\n`/`\n`, BOM removed) to `onRecord` with its 1-based line number. Reports progress as
 * `{ stage: 'read', current: bytes, total: fileSize }` and checks the abort signal between chunks.
 *
 * @example
 * ```ts
 * await forEachLine('ratings.csv', (line, n) => { if (n > 1) rows++ })
 * ```
 * @throws RecForgeError IO_ERROR when the file cannot be read; PARSE_ERROR on invalid UTF-8 or an unterminated quoted field; ABORTED when the signal fires.
 */
export async function forEachLine(file: string, onRecord: (record: string, line: number) => void, opts: LineReaderOptions = {}): Promise<LineReaderResult> {
  const encoding = opts.encoding ?? 'utf-8'
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })
  let size: number
  try {
    size = (await stat(file)).size
  } catch (e) {
    throw new RecForgeError('IO_ERROR', `cannot read ${file}: ${(e as Error).message}`, { cause: e })
  }
  // bytes after the last newline so far: kept as a list of chunks, joined once the line ends, so
  // a line spanning many chunks costs time linear in its length
  let carry: Buffer[] = []
  let line = 0
  let records = 0
  let bytes = 0
  let first = true
  // an open quoted record spanning physical lines
  let pending: string | undefined
  let pendingLine = 0
  let pendingQuotes = 0
  const quoted = opts.quoted ?? false

  const emit = (text: string): void => {
    let p = 0
    for (;;) {
      const e = text.indexOf('\n', p)
      let s = e < 0 ? text.slice(p) : text.slice(p, e)
      line++
      if (s.length && s.charCodeAt(s.length - 1) === 13) s = s.slice(0, -1)
      if (first) {
        if (s.charCodeAt(0) === 0xfeff) s = s.slice(1)
        first = false
      }
      if (!quoted) {
        records++
        onRecord(s, line)
      } else if (pending !== undefined) {
        pending += '\n' + s
        pendingQuotes += countQuotes(s)
        if (pendingQuotes % 2 === 0) {
          const r = pending
          pending = undefined
          records++
          onRecord(r, pendingLine)
        }
      } else {
        const q = s.indexOf('"') < 0 ? 0 : countQuotes(s)
        if (q % 2 === 1) {
          pending = s
          pendingLine = line
          pendingQuotes = q
        } else {
          records++
          onRecord(s, line)
        }
      }
      if (e < 0) break
      p = e + 1
    }
  }

  const stream = createReadStream(file, { highWaterMark: opts.chunkSize ?? 1 << 20 })
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      throwIfAborted(opts.signal, `reading ${file}`)
      bytes += chunk.length
      const last = chunk.lastIndexOf(NL)
      if (last < 0) {
        carry.push(chunk)
        continue
      }
      const head = carry.length ? Buffer.concat([...carry, chunk.subarray(0, last)]) : chunk.subarray(0, last)
      carry = last + 1 < chunk.length ? [Buffer.from(chunk.subarray(last + 1))] : []
      emit(decodeLines(head, encoding, file, line + 1, decoder))
      opts.onProgress?.({ stage: 'read', current: bytes, total: size, message: file })
    }
  } catch (e) {
    if (e instanceof RecForgeError) throw e
    throw new RecForgeError('IO_ERROR', `cannot read ${file}: ${(e as Error).message}`, { cause: e })
  } finally {
    stream.destroy()
  }
  if (carry.length) emit(decodeLines(Buffer.concat(carry), encoding, file, line + 1, decoder))
  if (pending !== undefined) throw parseError('unterminated quoted field; expected a closing `"` before the end of the file', { file, line: pendingLine, text: pending })
  opts.onProgress?.({ stage: 'read', current: bytes, total: size, message: file })
  return { records, lines: line, bytes }
}
