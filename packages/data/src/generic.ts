import { InteractionsBuilder, parseError, RecForgeError, throwIfAborted, type Interactions } from '@recforge/core'
import { readLines } from './lines'
import { extensionOf, toByteSource, type ByteSource, type DataInput } from './source'
import { sniffSeparator, toNumber, toTimestamp } from './internal/fields'
import { cleaning, readTable, RowCleaner, RowReport, type ColumnRef } from './internal/table'
import type { Dataset, LoadOptions, LoadReport } from './types'

/** Header names tried, in order, when no column option is given. */
export const DEFAULT_COLUMNS: Readonly<{ user: readonly string[]; item: readonly string[]; rating: readonly string[]; time: readonly string[] }> = {
  user: ['userId', 'user_id', 'user', 'uid', 'userID', 'visitorid', 'customer_id'],
  item: ['itemId', 'item_id', 'item', 'movieId', 'movie_id', 'book_id', 'iid', 'itemid', 'product_id'],
  rating: ['rating', 'score', 'value', 'weight', 'stars'],
  time: ['timestamp', 'time', 'ts', 'date', 'datetime'],
}

function colRef(name: string | undefined, fallback: readonly string[]): ColumnRef | readonly string[] {
  return name === undefined ? fallback : name
}

async function firstLine(source: ByteSource): Promise<string> {
  let first: string | undefined
  const ac = new AbortController()
  try {
    await readLines(
      source,
      (l) => {
        if (first === undefined) {
          first = l
          ac.abort()
        }
      },
      { signal: ac.signal, chunkSize: 1 << 16 },
    )
  } catch (e) {
    if (!(e instanceof RecForgeError && e.code === 'ABORTED')) throw e
  }
  return first ?? ''
}

/**
 * Loads interactions from delimited text (CSV, TSV, `::` or any separator) with RFC-4180
 * quoting, with or without a header, from a `File`, a `Blob`, a `fetch` response, a Web stream,
 * bytes or any {@link ByteSource}; `loadDelimited(path)` in `@recforge/data/node` reads a file.
 * Columns are found by the column options, else by the {@link DEFAULT_COLUMNS} names, else by
 * position (user, item, rating, time). Without `sep`, a name ending in `.csv`/`.tsv`/`.tab`
 * decides, else the first line.
 *
 * @example
 * ```ts
 * const ds = await loadDelimitedFrom(fetchSource('/data/events.tsv'), { userCol: 'visitor', itemCol: 'product', timeCol: 'ts' })
 * ```
 * @throws RecForgeError IO_ERROR when the input cannot be read; INVALID_ARGUMENT for a column the header lacks; PARSE_ERROR naming the input, line and text for malformed rows, empty input, or non-UTF-8 bytes.
 */
export async function loadDelimitedFrom(input: DataInput, opts: LoadOptions = {}): Promise<Dataset> {
  const source = toByteSource(input)
  const ext = extensionOf(source.name)
  let sep = opts.sep
  if (sep === '') throw new RecForgeError('INVALID_ARGUMENT', 'option "sep" is empty; give a separator such as "," or "\\t"')
  if (sep === undefined) sep = ext === '.tsv' || ext === '.tab' ? '\t' : ext === '.csv' ? ',' : sniffSeparator(await firstLine(source))
  const b = new InteractionsBuilder({ timestamps: true, capacity: 1 << 16 })
  const info = { hasTime: false }
  const report = await readTable(
    {
      source,
      sep,
      header: opts.header ?? 'auto',
      quoted: true,
      encoding: 'utf-8',
      user: colRef(opts.userCol, DEFAULT_COLUMNS.user),
      item: colRef(opts.itemCol, DEFAULT_COLUMNS.item),
      rating: colRef(opts.ratingCol, DEFAULT_COLUMNS.rating),
      time: colRef(opts.timeCol, DEFAULT_COLUMNS.time),
      ...(opts.eventCol !== undefined ? { event: opts.eventCol } : {}),
      ...(opts.eventWeights ? { eventWeights: opts.eventWeights } : {}),
      requireRating: opts.ratingCol !== undefined,
      requireTime: opts.timeCol !== undefined,
      onBadRow: opts.onBadRow ?? 'error',
      ...cleaning(opts),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    },
    b,
    info,
  )
  return { name: 'csv', interactions: withoutTimes(b.build(), !info.hasTime), reports: [report] }
}

/** Drops the all-zero timestamps of a file without a time column, so time-based protocols refuse it instead of splitting on zeros. */
export function withoutTimes(data: Interactions, drop: boolean): Interactions {
  if (!drop) return data
  const { timestamps: _dropped, ...rest } = data
  return rest
}

export function pickKey(keys: readonly string[], name: string | undefined, fallback: readonly string[], what: string, file: string, required: boolean): string | undefined {
  if (name !== undefined) {
    if (keys.includes(name)) return name
    if (!required) return undefined
    throw new RecForgeError('INVALID_ARGUMENT', `${file}: no ${what} column "${name}"; found ${keys.map((k) => JSON.stringify(k)).join(', ')}`)
  }
  const lower = keys.map((k) => k.toLowerCase())
  for (const c of fallback) {
    const i = lower.indexOf(c.toLowerCase())
    if (i >= 0) return keys[i]
  }
  if (required) throw new RecForgeError('INVALID_ARGUMENT', `${file}: no ${what} column found; looked for ${fallback.join(', ')} among ${keys.map((k) => JSON.stringify(k)).join(', ')}; name it with the ${what}Col option`)
  return undefined
}

function cellNumber(v: unknown): number {
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'string') return toNumber(v.trim())
  return Number.NaN
}

function cellTime(v: unknown): number {
  if (v instanceof Date) return v.getTime() / 1000
  if (typeof v === 'string') return toTimestamp(v.trim())
  return cellNumber(v)
}

function cellId(v: unknown, clean: RowCleaner): string | undefined {
  if (typeof v === 'string') {
    const s = clean.id(v)
    return s.length ? s : undefined
  }
  if (typeof v === 'number' || typeof v === 'bigint') return String(v)
  return undefined
}

/** Pushes one row's cells; returns a bad-row reason, `null` for a row dropped by cleaning (already counted), or nothing. */
export function pushCells(
  b: InteractionsBuilder,
  clean: RowCleaner,
  u: unknown,
  i: unknown,
  r: unknown,
  t: unknown,
  e: unknown,
  has: { rating: boolean; time: boolean; event: boolean },
  weights: Readonly<Record<string, number>> | undefined,
): string | null | undefined {
  const uid = cellId(u, clean)
  const iid = cellId(i, clean)
  if (uid === undefined || iid === undefined) return u === undefined || u === null || i === undefined || i === null || u === '' || i === '' ? 'missing id' : 'bad id'
  let value = 1
  if (has.event) {
    const w = typeof e === 'string' ? weights![e] : undefined
    if (w === undefined) return 'unknown event'
    value = w
  } else if (has.rating) {
    if (r === undefined || r === null || r === '') return 'missing value'
    value = cellNumber(r)
    if (!Number.isFinite(value)) return 'bad number'
    const kept = clean.value(value)
    if (kept === undefined) return null
    value = kept
  }
  let ts = 0
  if (has.time) {
    if (t === undefined || t === null || t === '') return 'missing value'
    ts = cellTime(t)
    if (!Number.isFinite(ts)) return 'bad timestamp'
  }
  b.push(uid, iid, value, ts)
  return undefined
}

/**
 * Loads interactions from JSON Lines: one JSON object per line with user, item and optional
 * rating / time fields (found like {@link loadDelimitedFrom}'s columns), from any
 * {@link DataInput}; `loadJsonl(path)` in `@recforge/data/node` reads a file. Blank lines are
 * counted and skipped.
 *
 * @example
 * ```ts
 * const ds = await loadJsonlFrom(file, { userCol: 'user', itemCol: 'sku' }) // file: a File from an <input type="file">
 * ```
 * @throws RecForgeError PARSE_ERROR naming the input, line and text for a line that is not a JSON object or lacks a field; IO_ERROR when unreadable.
 */
export async function loadJsonlFrom(input: DataInput, opts: LoadOptions = {}): Promise<Dataset> {
  const source = toByteSource(input)
  const file = source.name
  const rr = new RowReport(file, opts.onBadRow ?? 'error')
  const report = rr.report
  const clean = new RowCleaner(report, cleaning(opts))
  const b = new InteractionsBuilder({ timestamps: true, capacity: 1 << 16 })
  let cols: { user: string; item: string; rating: string | undefined; time: string | undefined; event: string | undefined } | undefined
  const weights = opts.eventWeights
  const res = await readLines(
    source,
    (line, lineNo) => {
      report.rowsRead++
      if (line.trim().length === 0) {
        report.skipped['blank line'] = (report.skipped['blank line'] ?? 0) + 1
        return
      }
      let obj: unknown
      try {
        obj = JSON.parse(line)
      } catch {
        return rr.bad('bad JSON', 'expected one JSON object per line', lineNo, line)
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return rr.bad('bad JSON', 'expected a JSON object', lineNo, line)
      const o = obj as Record<string, unknown>
      if (!cols) {
        const keys = Object.keys(o)
        cols = {
          user: pickKey(keys, opts.userCol, DEFAULT_COLUMNS.user, 'user', file, true)!,
          item: pickKey(keys, opts.itemCol, DEFAULT_COLUMNS.item, 'item', file, true)!,
          rating: pickKey(keys, opts.ratingCol, DEFAULT_COLUMNS.rating, 'rating', file, opts.ratingCol !== undefined),
          time: pickKey(keys, opts.timeCol, DEFAULT_COLUMNS.time, 'time', file, opts.timeCol !== undefined),
          event: opts.eventCol === undefined ? undefined : pickKey(keys, opts.eventCol, [], 'event', file, true),
        }
        if (cols.event !== undefined && !weights) throw new RecForgeError('INVALID_ARGUMENT', `${file}: eventCol is set but eventWeights is not; give a weight per event type`)
      }
      const why = pushCells(b, clean, o[cols.user], o[cols.item], cols.rating === undefined ? undefined : o[cols.rating], cols.time === undefined ? undefined : o[cols.time], cols.event === undefined ? undefined : o[cols.event], { rating: cols.rating !== undefined, time: cols.time !== undefined, event: cols.event !== undefined }, weights)
      if (why === null) return
      if (why) return rr.bad(why, `expected fields ${[cols.user, cols.item, cols.rating, cols.time].filter(Boolean).join(', ')} with ids and numbers`, lineNo, line)
      report.rowsKept++
    },
    { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) },
  )
  if (res.bytes === 0) throw parseError('the file is empty; expected one JSON object per line', { file, line: 1 })
  if (report.rowsKept === 0 && report.rowsRead === Object.values(report.skipped).reduce((a, x) => a + x, 0) && report.skipped['blank line'] === report.rowsRead) {
    throw parseError('the file has only blank lines; expected one JSON object per line', { file, line: 1 })
  }
  clean.finish()
  report.interactions = true
  return { name: 'csv', interactions: withoutTimes(b.build(), cols?.time === undefined), reports: [report] }
}

/** The byte access hyparquet reads Parquet through: a length and asynchronous slices. */
export interface ParquetBytes {
  byteLength: number
  slice(start: number, end?: number): ArrayBuffer | Promise<ArrayBuffer>
}

/**
 * Loads interactions from Parquet bytes (a `Blob`/`File`, a `Uint8Array`, an `ArrayBuffer`) with
 * hyparquet, one row group at a time, reading only the user, item, rating and time columns (found
 * like {@link loadDelimitedFrom}'s columns); a `Blob` is read slice by slice, never whole.
 * `loadParquet(path)` in `@recforge/data/node` reads a file. Bad cells are reported by row number
 * (`line` in the error is the 1-based row).
 *
 * @example
 * ```ts
 * const ds = await loadParquetFrom(await (await fetch('/data/ratings.parquet')).arrayBuffer(), { name: 'ratings.parquet' })
 * ```
 * @throws RecForgeError PARSE_ERROR when the bytes are not Parquet or a cell is bad; INVALID_ARGUMENT for a missing column or another kind of input.
 */
export async function loadParquetFrom(input: Blob | Uint8Array | ArrayBuffer, opts: LoadOptions & { name?: string } = {}): Promise<Dataset> {
  let buf: ParquetBytes
  let name = opts.name
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    name ??= typeof (input as File).name === 'string' && (input as File).name ? (input as File).name : 'blob'
    buf = { byteLength: input.size, slice: (start, end) => input.slice(start, end).arrayBuffer() }
  } else if (input instanceof Uint8Array) {
    const copy = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength && input.buffer instanceof ArrayBuffer ? input.buffer : input.slice().buffer
    buf = copy
  } else if (input instanceof ArrayBuffer) {
    buf = input
  } else {
    throw new RecForgeError('INVALID_ARGUMENT', `cannot read Parquet from ${Object.prototype.toString.call(input)}; expected a Blob or File, a Uint8Array or an ArrayBuffer`)
  }
  return parquetFrom(buf, name ?? 'bytes', opts)
}

/** Reads Parquet interactions from hyparquet's byte access; `file` names the input in reports and errors. */
export async function parquetFrom(buf: ParquetBytes, file: string, opts: LoadOptions): Promise<Dataset> {
  const { parquetMetadataAsync, parquetRead, parquetSchema } = await import('hyparquet')
  if (buf.byteLength === 0) throw parseError('the file is empty; expected a Parquet file', { file })
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>
  try {
    metadata = await parquetMetadataAsync(buf)
  } catch (e) {
    throw parseError(`not a readable Parquet file (${(e as Error).message})`, { file }, e)
  }
  const keys = parquetSchema(metadata).children.map((c) => c.element.name)
  const uc = pickKey(keys, opts.userCol, DEFAULT_COLUMNS.user, 'user', file, true)!
  const ic = pickKey(keys, opts.itemCol, DEFAULT_COLUMNS.item, 'item', file, true)!
  const rc = pickKey(keys, opts.ratingCol, DEFAULT_COLUMNS.rating, 'rating', file, opts.ratingCol !== undefined)
  const tc = pickKey(keys, opts.timeCol, DEFAULT_COLUMNS.time, 'time', file, opts.timeCol !== undefined)
  const ec = opts.eventCol === undefined ? undefined : pickKey(keys, opts.eventCol, [], 'event', file, true)
  if (ec !== undefined && !opts.eventWeights) throw new RecForgeError('INVALID_ARGUMENT', `${file}: eventCol is set but eventWeights is not; give a weight per event type`)
  const columns = [uc, ic, rc, tc, ec].filter((c): c is string => c !== undefined)
  const total = Number(metadata.num_rows)
  const rr = new RowReport(file, opts.onBadRow ?? 'error')
  const report: LoadReport = rr.report
  const clean = new RowCleaner(report, cleaning(opts))
  const b = new InteractionsBuilder({ timestamps: true, capacity: Math.max(16, total) })
  const has = { rating: rc !== undefined, time: tc !== undefined, event: ec !== undefined }
  let start = 0
  for (const rg of metadata.row_groups) {
    throwIfAborted(opts.signal, `reading ${file}`)
    const n = Number(rg.num_rows)
    const end = start + n
    const data: Record<string, unknown[]> = {}
    for (const c of columns) data[c] = new Array<unknown>(n)
    try {
      await parquetRead({
        file: buf,
        metadata,
        columns,
        rowStart: start,
        rowEnd: end,
        onChunk: (chunk) => {
          const dst = data[chunk.columnName]
          if (!dst) return
          const src = chunk.columnData as ArrayLike<unknown>
          for (let j = 0; j < src.length; j++) {
            const row = chunk.rowStart + j
            if (row >= start && row < end) dst[row - start] = src[j]
          }
        },
      })
    } catch (e) {
      throw parseError(`cannot decode rows ${start}..${end - 1} (${(e as Error).message})`, { file }, e)
    }
    const du = data[uc]!
    const di = data[ic]!
    const dr = rc === undefined ? undefined : data[rc]
    const dt = tc === undefined ? undefined : data[tc]
    const de = ec === undefined ? undefined : data[ec]
    for (let j = 0; j < n; j++) {
      report.rowsRead++
      const why = pushCells(b, clean, du[j], di[j], dr?.[j], dt?.[j], de?.[j], has, opts.eventWeights)
      if (why === null) continue
      if (why) {
        rr.bad(why, `expected ids in ${uc}, ${ic}${rc ? ` and a number in ${rc}` : ''}${tc ? `, a time in ${tc}` : ''}`, start + j + 1, JSON.stringify([du[j], di[j], dr?.[j], dt?.[j]], (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)))
        continue
      }
      report.rowsKept++
    }
    start = end
    opts.onProgress?.({ stage: 'load', current: start, total, message: file })
  }
  clean.finish()
  report.interactions = true
  return { name: 'csv', interactions: withoutTimes(b.build(), tc === undefined), reports: [report] }
}
