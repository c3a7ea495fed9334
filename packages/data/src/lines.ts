import { parseError, RecForgeError, throwIfAborted, type RunOptions } from '@recforge/core'
import type { ByteSource } from './source'

/** Text encodings the line reader decodes. */
export type TextEncodingName = 'utf-8' | 'latin1'

/** Options for {@link readLines} (and `forEachLine` in `@recforge/data/node`). */
export interface LineReaderOptions extends RunOptions {
  /** How bytes become text; `utf-8` rejects invalid byte sequences with a PARSE_ERROR. Defaults to `'utf-8'`. */
  encoding?: TextEncodingName
  /** Join physical lines while an RFC-4180 quoted field is open, so a quoted field may contain newlines. Defaults to `false`. */
  quoted?: boolean
  /** Bytes per read. Defaults to `1048576`. */
  chunkSize?: number
}

/** Counts from a {@link readLines} pass. */
export interface LineReaderResult {
  /** Records passed to the callback (a quoted record spanning lines counts once). */
  records: number
  /** Physical lines in the file. */
  lines: number
  /** Bytes in the file. */
  bytes: number
}

const NL = 10

/** Node's Buffer when present: its latin-1 decoder is native and exact. */
const NodeBuffer = (globalThis as { Buffer?: { from(b: ArrayBufferLike, offset: number, length: number): { toString(encoding: 'latin1'): string } } }).Buffer
/** The WHATWG 'latin1' decoder, which is windows-1252: exact for bytes outside 0x80..0x9f only. */
let windows1252: TextDecoder | undefined

/** ISO-8859-1: every byte is the code point of the same value. */
function latin1(bytes: Uint8Array): string {
  return NodeBuffer ? NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1') : latin1Portable(bytes)
}

/** {@link latin1} without Node's Buffer (a browser): TextDecoder when no byte is in 0x80..0x9f, else code by code. Internal; exported for its test. */
export function latin1Portable(bytes: Uint8Array): string {
  let c1 = false
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (b >= 0x80 && b <= 0x9f) {
      c1 = true
      break
    }
  }
  if (!c1) return (windows1252 ??= new TextDecoder('latin1')).decode(bytes)
  let s = ''
  for (let p = 0; p < bytes.length; p += 8192) s += String.fromCharCode.apply(null, bytes.subarray(p, Math.min(bytes.length, p + 8192)) as unknown as number[])
  return s
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** Whether every byte is below 0x80 (then UTF-8, latin-1 and ASCII decode it alike); four bytes at a time where aligned. Internal; exported for its test. */
export function isAscii(bytes: Uint8Array): boolean {
  const n = bytes.length
  let i = 0
  const head = Math.min(n, (4 - (bytes.byteOffset & 3)) & 3)
  for (; i < head; i++) if (bytes[i]! & 0x80) return false
  const words = (n - i) >>> 2
  if (words > 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words)
    let acc = 0
    for (let k = 0; k < words; k++) acc |= w[k]!
    if (acc & 0x80808080) return false
    i += words << 2
  }
  for (; i < n; i++) if (bytes[i]! & 0x80) return false
  return true
}

function decodeLines(bytes: Uint8Array, encoding: TextEncodingName, file: string, firstLine: number, decoder: TextDecoder): string {
  // ASCII text (most interaction files) decodes byte for byte; the latin-1 path is several times faster than a validating UTF-8 decoder
  if (encoding === 'latin1' || isAscii(bytes)) return latin1(bytes)
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
        throw parseError('invalid UTF-8 bytes; expected UTF-8 text (MovieLens 100K/1M files are latin-1: use their loaders)', { file, line, text: latin1(part) }, e)
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
 * Streams text record by record from a {@link ByteSource} (a file, a `Blob`, a `fetch`
 * response, a Web stream): reads chunks, cuts them at the last newline, decodes each run of
 * whole lines at once and hands every line (without `\r\n`/`\n`, BOM removed) to `onRecord`
 * with its 1-based line number. Reports progress as
 * `{ stage: 'read', current: bytes, total: size }` (no total when the size is unknown) and checks
 * the abort signal between chunks.
 *
 * @example
 * ```ts
 * await readLines(fetchSource('/data/ratings.csv'), (line, n) => { if (n > 1) rows++ })
 * ```
 * @throws RecForgeError IO_ERROR when the file cannot be read; PARSE_ERROR on invalid UTF-8 or an unterminated quoted field; ABORTED when the signal fires.
 */
export async function readLines(source: ByteSource, onRecord: (record: string, line: number) => void, opts: LineReaderOptions = {}): Promise<LineReaderResult> {
  const encoding = opts.encoding ?? 'utf-8'
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })
  const file = source.name
  let opened: Awaited<ReturnType<ByteSource['open']>>
  try {
    opened = await source.open(opts.chunkSize ?? 1 << 20)
  } catch (e) {
    if (e instanceof RecForgeError) throw e
    throw new RecForgeError('IO_ERROR', `cannot read ${file}: ${(e as Error).message}`, { cause: e })
  }
  const size = opened.size
  const total = size !== undefined ? { total: size } : {}
  // bytes after the last newline so far: kept as a list of chunks, joined once the line ends, so
  // a line spanning many chunks costs time linear in its length
  let carry: Uint8Array[] = []
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

  try {
    for await (const chunk of opened.chunks) {
      throwIfAborted(opts.signal, `reading ${file}`)
      bytes += chunk.length
      const last = chunk.lastIndexOf(NL)
      if (last < 0) {
        carry.push(chunk)
        continue
      }
      const head = carry.length ? concat([...carry, chunk.subarray(0, last)]) : chunk.subarray(0, last)
      // a copy: a reader may reuse the chunk's memory for the next one
      carry = last + 1 < chunk.length ? [new Uint8Array(chunk.subarray(last + 1))] : []
      emit(decodeLines(head, encoding, file, line + 1, decoder))
      opts.onProgress?.({ stage: 'read', current: bytes, ...total, message: file })
    }
  } catch (e) {
    if (e instanceof RecForgeError) throw e
    throw new RecForgeError('IO_ERROR', `cannot read ${file}: ${(e as Error).message}`, { cause: e })
  }
  if (carry.length) emit(decodeLines(concat(carry), encoding, file, line + 1, decoder))
  if (pending !== undefined) throw parseError('unterminated quoted field; expected a closing `"` before the end of the file', { file, line: pendingLine, text: pending })
  opts.onProgress?.({ stage: 'read', current: bytes, ...total, message: file })
  return { records, lines: line, bytes }
}
