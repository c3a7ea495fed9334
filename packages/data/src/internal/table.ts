import { parseError, RecForgeError, type IdVocabulary, type InteractionsBuilder, type ProgressEvent, type RunOptions } from '@recforge/core'
import { readLines, type TextEncodingName } from '../lines'
import type { ByteSource } from '../source'
import type { BadRowPolicy, LoadOptions, LoadReport } from '../types'
import { splitFields, toNumber, toTimestamp } from './fields'
import { IdAdder } from './ids'

/** A column given by header name or by 0-based position. */
export type ColumnRef = string | number

/** How to read one interactions table into a builder. */
export interface TableSpec extends RunOptions, CleaningOptions {
  source: ByteSource
  sep: string
  /** true, false, or 'auto' (a header when the first line names one of `known`). */
  header: boolean | 'auto'
  quoted: boolean
  encoding: TextEncodingName
  user: ColumnRef | readonly string[]
  item: ColumnRef | readonly string[]
  rating?: ColumnRef | readonly string[]
  time?: ColumnRef | readonly string[]
  event?: ColumnRef
  eventWeights?: Readonly<Record<string, number>>
  onBadRow: BadRowPolicy
  /** Map ids through the builder's existing vocabularies only; unknown ids are bad rows. */
  lookupOnly?: boolean
  /** Whether rating / time columns are required to exist (named explicitly by the caller). */
  requireRating?: boolean
  requireTime?: boolean
}

/** What the loaders clean while reading rows. */
export interface CleaningOptions {
  trimIds?: boolean
  ratingRange?: { min: number; max: number; clamp?: boolean }
}

/** The cleaning options of a load, with a dataset's documented rating scale as the default range. */
export function cleaning(opts: LoadOptions, scale?: { min: number; max: number }): CleaningOptions {
  const range = opts.ratingRange ?? scale
  return { ...(opts.trimIds ? { trimIds: true } : {}), ...(range ? { ratingRange: range } : {}) }
}

/**
 * Counts and applies row cleaning: ids with white space around them (trimmed or counted), values
 * outside the rating range (dropped into `skipped`, or clamped), rows with more fields than the
 * header, and the range of values read. {@link RowCleaner.finish} writes it all to the report.
 */
export class RowCleaner {
  private spaced = 0
  private trimmed = 0
  private clamped = 0
  private extra = 0
  private min = Number.POSITIVE_INFINITY
  private max = Number.NEGATIVE_INFINITY

  constructor(
    private readonly report: LoadReport,
    private readonly opts: CleaningOptions,
  ) {
    const r = opts.ratingRange
    if (r && !(Number.isFinite(r.min) && Number.isFinite(r.max) && r.min <= r.max)) {
      throw new RecForgeError('INVALID_ARGUMENT', `ratingRange must be two finite numbers with min <= max; got ${r.min}..${r.max}`)
    }
  }

  /** The id to use: trimmed when asked, else as read (counted when it has white space around it). */
  id(s: string): string {
    const n = s.length
    if (n && (s.charCodeAt(0) <= 32 || s.charCodeAt(n - 1) <= 32)) {
      if (this.opts.trimIds) {
        this.trimmed++
        return s.trim()
      }
      this.spaced++
    }
    return s
  }

  /** The value to keep, or undefined for a value outside the range (counted as skipped). */
  value(v: number): number | undefined {
    if (v < this.min) this.min = v
    if (v > this.max) this.max = v
    const r = this.opts.ratingRange
    if (!r || (v >= r.min && v <= r.max)) return v
    if (r.clamp) {
      this.clamped++
      return v < r.min ? r.min : r.max
    }
    const why = v < r.min ? `value below ${r.min}` : `value above ${r.max}`
    this.report.skipped[why] = (this.report.skipped[why] ?? 0) + 1
    return undefined
  }

  /** Counts a row with more fields than the header. */
  extraFields(): void {
    this.extra++
  }

  finish(): void {
    const r = this.report
    if (this.min <= this.max) r.valueRange = { min: this.min, max: this.max }
    if (this.clamped) r.clamped = this.clamped
    if (this.trimmed) r.trimmed = this.trimmed
    if (this.spaced) r.warnings.push(`${this.spaced} ids have white space around them and were kept as they are (pass trimIds: true / --trim-ids to remove it)`)
    if (this.extra) r.warnings.push(`${this.extra} rows have more fields than the header; the extra fields were ignored`)
  }
}

/** Shared bookkeeping for bad rows: throw or count. */
export class RowReport {
  readonly report: LoadReport
  constructor(
    file: string,
    private readonly policy: BadRowPolicy,
  ) {
    this.report = { file, rowsRead: 0, rowsKept: 0, skipped: {}, warnings: [] }
  }
  bad(reason: string, expected: string, line: number, text: string): void {
    if (this.policy === 'error') throw parseError(`${reason}; ${expected} (pass onBadRow: 'skip', or --on-bad-row skip on the command line, to skip such rows and count them)`, { file: this.report.file, line, text })
    this.report.skipped[reason] = (this.report.skipped[reason] ?? 0) + 1
  }

  /**
   * What every data row goes through first: counts it, skips a blank line, splits it into
   * `fields`, and rejects an unterminated quote or fewer than `need` fields (`expected`
   * describes the row). Returns the number of fields, or -1 for a row skipped or rejected.
   */
  dataRow(line: string, lineNo: number, format: { readonly sep: string; readonly quoted: boolean }, fields: string[], need: number, expected: string): number {
    const report = this.report
    report.rowsRead++
    if (line.length === 0) {
      report.skipped['blank line'] = (report.skipped['blank line'] ?? 0) + 1
      return -1
    }
    const n = splitFields(line, format.sep, format.quoted, fields)
    if (n < 0) {
      this.bad('unterminated quoted field', 'expected a closing `"`', lineNo, line)
      return -1
    }
    if (n < need) {
      this.bad('too few fields', `${expected}; found ${n}${n === 1 ? ' (is the separator right?)' : ''}`, lineNo, line)
      return -1
    }
    return n
  }
}

function resolveColumn(ref: ColumnRef | readonly string[] | undefined, header: readonly string[] | undefined, what: string, file: string, required: boolean): number {
  if (ref === undefined) return -1
  if (typeof ref === 'number') return ref
  if (typeof ref === 'string') {
    if (header) {
      const i = header.indexOf(ref)
      if (i >= 0) return i
      const lower = header.findIndex((h) => h.toLowerCase() === ref.toLowerCase())
      if (lower >= 0) return lower
    }
    if (/^\d+$/.test(ref)) return Number(ref)
    throw new RecForgeError(
      'INVALID_ARGUMENT',
      header ? `${file}: no ${what} column "${ref}"; the header has ${header.map((h) => JSON.stringify(h)).join(', ')}` : `${file}: ${what} column "${ref}" given by name, but the file has no header; give a 0-based column number`,
    )
  }
  // candidate names: first match
  if (header) {
    const lower = header.map((h) => h.toLowerCase())
    for (const c of ref) {
      const i = lower.indexOf(c.toLowerCase())
      if (i >= 0) return i
    }
  }
  if (required) throw new RecForgeError('INVALID_ARGUMENT', `${file}: no ${what} column found; looked for ${ref.join(', ')}${header ? ` in the header ${header.map((h) => JSON.stringify(h)).join(', ')}` : ''}; name it with the ${what}Col option`)
  return -1
}

function namesOf(ref: ColumnRef | readonly string[] | undefined): string[] {
  if (ref === undefined || typeof ref === 'number') return []
  return typeof ref === 'string' ? [ref] : [...ref]
}

/**
 * Reads one delimited interactions table into `builder`, row by row, with no per-row objects kept.
 * Returns the load report.
 */
export async function readTable(spec: TableSpec, builder: InteractionsBuilder, info?: { hasTime: boolean }): Promise<LoadReport> {
  const rr = new RowReport(spec.source.name, spec.onBadRow)
  const report = rr.report
  const clean = new RowCleaner(report, spec)
  const fields: string[] = []
  let header: string[] | undefined
  let first = true
  let ui = -1
  let ii = -1
  let ri = -1
  let ti = -1
  let ei = -1
  let need = 0
  let expected = ''
  const users: IdVocabulary = builder.users
  const items: IdVocabulary = builder.items
  const addUser = new IdAdder(users)
  const addItem = new IdAdder(items)
  const weights = spec.eventWeights
  const sepName = JSON.stringify(spec.sep)
  let progressAt = 0
  let lastUid = ''
  let lastU = -1

  const setup = (hdr: string[] | undefined, firstCount: number): void => {
    header = hdr
    // without a header, default candidate lists fall back to positions 0..3 (when the row has them)
    const numeric = (r: ColumnRef | readonly string[] | undefined, pos: number): ColumnRef | readonly string[] | undefined =>
      hdr || r === undefined || typeof r !== 'object' ? r : pos < firstCount || pos < 2 ? pos : undefined
    ui = resolveColumn(numeric(spec.user, 0), hdr, 'user', spec.source.name, true)
    ii = resolveColumn(numeric(spec.item, 1), hdr, 'item', spec.source.name, true)
    ri = resolveColumn(numeric(spec.rating, 2), hdr, 'rating', spec.source.name, spec.requireRating ?? false)
    ti = resolveColumn(numeric(spec.time, 3), hdr, 'time', spec.source.name, spec.requireTime ?? false)
    ei = resolveColumn(spec.event, hdr, 'event', spec.source.name, true)
    if (ei >= 0 && !weights) throw new RecForgeError('INVALID_ARGUMENT', `${spec.source.name}: eventCol is set but eventWeights is not; give a weight per event type, e.g. { view: 1, click: 2, buy: 5 }`)
    need = Math.max(ui, ii, ei) + 1
    const cols = [`user ${hdr ? JSON.stringify(hdr[ui]) : ui}`, `item ${hdr ? JSON.stringify(hdr[ii]) : ii}`]
    if (ri >= 0) cols.push(`rating ${hdr ? JSON.stringify(hdr[ri]) : ri}`)
    if (ti >= 0) cols.push(`time ${hdr ? JSON.stringify(hdr[ti]) : ti}`)
    if (info) info.hasTime = ti >= 0
    expected = `expected at least ${need} fields separated by ${sepName} (${cols.join(', ')})`
  }

  const onRecord = (line: string, lineNo: number): void => {
    if (first) {
      first = false
      if (line.length === 0) throw parseError('the first line is empty; expected a header or a data row', { file: spec.source.name, line: lineNo, text: line })
      let isHeader = spec.header === true
      if (spec.header === 'auto') {
        const n = splitFields(line, spec.sep, spec.quoted, fields)
        const known = new Set([...namesOf(spec.user), ...namesOf(spec.item), ...namesOf(spec.rating), ...namesOf(spec.time), ...(typeof spec.event === 'string' ? [spec.event] : [])].map((s) => s.toLowerCase()))
        for (let k = 0; k < n; k++) if (known.has(fields[k]!.trim().toLowerCase())) isHeader = true
      }
      if (isHeader) {
        const n = splitFields(line, spec.sep, spec.quoted, fields)
        if (n < 0) throw parseError('unterminated quoted field in the header', { file: spec.source.name, line: lineNo, text: line })
        setup(
          fields.slice(0, n).map((s) => s.trim()),
          n,
        )
        if (header!.length < need) throw parseError(`the header has ${header!.length} field(s); ${expected}; is the separator right?`, { file: spec.source.name, line: lineNo, text: line })
        return
      }
      setup(undefined, splitFields(line, spec.sep, spec.quoted, fields))
    }
    const n = rr.dataRow(line, lineNo, spec, fields, need, expected)
    if (n < 0) return
    if (header && n > header.length) clean.extraFields()
    const uid = clean.id(fields[ui]!)
    const iid = clean.id(fields[ii]!)
    if (uid.length === 0 || iid.length === 0) return rr.bad('missing id', `${expected}; the user or item id is empty`, lineNo, line)
    let value = 1
    if (ei >= 0) {
      const w = weights![fields[ei]!]
      if (w === undefined) return rr.bad('unknown event', `expected one of the events ${Object.keys(weights!).join(', ')} in column ${header ? JSON.stringify(header[ei]) : ei}`, lineNo, line)
      value = w
    } else if (ri >= 0) {
      if (ri >= n) return rr.bad('too few fields', `${expected}; found ${n}`, lineNo, line)
      value = toNumber(fields[ri]!)
      if (!Number.isFinite(value)) return rr.bad(fields[ri]!.length ? 'bad number' : 'missing value', `expected a number in the rating column ${header ? JSON.stringify(header[ri]) : ri}`, lineNo, line)
      const kept = clean.value(value)
      if (kept === undefined) return
      value = kept
    }
    let ts = 0
    if (ti >= 0) {
      if (ti >= n) return rr.bad('too few fields', `${expected}; found ${n}`, lineNo, line)
      ts = toTimestamp(fields[ti]!)
      if (!Number.isFinite(ts)) return rr.bad(fields[ti]!.length ? 'bad timestamp' : 'missing value', `expected seconds since the epoch or an ISO date in the time column ${header ? JSON.stringify(header[ti]) : ti}`, lineNo, line)
    }
    let u: number | undefined
    let i: number | undefined
    if (spec.lookupOnly) {
      u = users.index(uid)
      if (u === undefined) return rr.bad('unknown user', 'expected a user id present in the main ratings file', lineNo, line)
      i = items.index(iid)
      if (i === undefined) return rr.bad('unknown item', 'expected an item id present in the main ratings file', lineNo, line)
    } else {
      // rating files are usually grouped by user: skip the map lookup for a repeated user id
      if (uid === lastUid) u = lastU
      else {
        u = addUser.add(uid)
        lastUid = uid
        lastU = u
      }
      i = addItem.add(iid)
    }
    builder.pushIndex(u, i, value, ts)
    report.rowsKept++
    if (spec.onProgress && report.rowsRead - progressAt >= 1_000_000) {
      progressAt = report.rowsRead
      spec.onProgress({ stage: 'load', current: report.rowsRead, message: spec.source.name })
    }
  }

  // after the first chunk, the rows per byte so far and the file's size give the row count to
  // reserve (2% over), instead of growing the builder by doubling
  const start = builder.length
  let reserved = false
  const onProgress = (p: ProgressEvent): void => {
    if (!reserved && p.stage === 'read' && p.total !== undefined && p.current > 0) {
      reserved = true
      if (p.current < p.total) builder.reserve(start + Math.ceil(((builder.length - start) * p.total * 1.02) / p.current) + 16)
    }
    spec.onProgress?.(p)
  }
  const res = await readLines(spec.source, onRecord, { encoding: spec.encoding, quoted: spec.quoted, ...(spec.signal ? { signal: spec.signal } : {}), onProgress })
  if (res.bytes === 0 || (res.records === 1 && header !== undefined) || res.records === 0) {
    throw parseError(res.bytes === 0 ? 'the file is empty; expected interaction rows' : 'the file has a header but no data rows', { file: spec.source.name, line: 1 })
  }
  spec.onProgress?.({ stage: 'load', current: report.rowsRead, total: report.rowsRead, message: spec.source.name })
  clean.finish()
  if (!spec.lookupOnly) report.interactions = true
  return report
}

/** How to read a side-information table (movies, books, users, tags) row by row. */
export interface RowsSpec extends RunOptions {
  source: ByteSource
  sep: string
  header: boolean
  quoted: boolean
  encoding: TextEncodingName
  /** Fewest fields a row must have. */
  minFields: number
  /** Describes the expected row for error messages, e.g. `movieId,title,genres`. */
  shape: string
  onBadRow: BadRowPolicy
}

/**
 * Reads a side table and calls `onRow(fields, count, line)` for each data row with at least
 * `minFields` fields. `onRow` returns a bad-row reason string to reject the row, or nothing.
 * Returns the report and the header (when there is one).
 */
export async function readRows(
  spec: RowsSpec,
  onRow: (fields: string[], n: number, line: number, header: readonly string[] | undefined) => string | void,
): Promise<{ report: LoadReport; header: readonly string[] | undefined }> {
  const rr = new RowReport(spec.source.name, spec.onBadRow)
  const report = rr.report
  const fields: string[] = []
  let header: string[] | undefined
  let first = spec.header
  const expected = `expected at least ${spec.minFields} fields separated by ${JSON.stringify(spec.sep)} (${spec.shape})`
  const res = await readLines(
    spec.source,
    (line, lineNo) => {
      if (first) {
        first = false
        const n = splitFields(line, spec.sep, spec.quoted, fields)
        header = fields.slice(0, Math.max(0, n)).map((s) => s.trim())
        if (n < spec.minFields) throw parseError(`the header has ${n} field(s); ${expected}; is the separator right?`, { file: spec.source.name, line: lineNo, text: line })
        return
      }
      const n = rr.dataRow(line, lineNo, spec, fields, spec.minFields, expected)
      if (n < 0) return
      const why = onRow(fields, n, lineNo, header)
      if (why) return rr.bad(why, expected, lineNo, line)
      report.rowsKept++
    },
    { encoding: spec.encoding, quoted: spec.quoted, ...(spec.signal ? { signal: spec.signal } : {}) },
  )
  if (res.bytes === 0) throw parseError(`the file is empty; ${expected}`, { file: spec.source.name, line: 1 })
  return { report, header }
}

/** The signal and progress handler of a load, for the readers. */
export function runOptions(opts: LoadOptions) {
  return { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) }
}
