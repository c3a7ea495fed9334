/** The closed set of error codes every RecForge package uses. */
export type RecForgeErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FITTED'
  | 'DIMENSION_MISMATCH'
  | 'UNKNOWN_ID'
  | 'PARSE_ERROR'
  | 'MISSING_DEPENDENCY'
  | 'BACKEND_UNAVAILABLE'
  | 'IO_ERROR'
  | 'CHECKSUM_MISMATCH'
  | 'UNSUPPORTED_VERSION'
  | 'NETWORK_ERROR'
  | 'ABORTED'
  | 'EMPTY_INPUT'

/** Where a parse error happened. */
export interface ErrorLocation {
  file?: string
  line?: number
  column?: string
  text?: string
}

/**
 * The one error type RecForge throws. The message says what was expected, what arrived and how to fix it.
 *
 * @example
 * ```ts
 * throw new RecForgeError('DIMENSION_MISMATCH', `query has ${q.length} dimensions; the index expects ${d}`)
 * ```
 */
export class RecForgeError extends Error {
  override readonly name = 'RecForgeError'
  readonly code: RecForgeErrorCode
  readonly location?: ErrorLocation

  constructor(code: RecForgeErrorCode, message: string, options: { cause?: unknown; location?: ErrorLocation } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    if (options.location) this.location = options.location
  }
}

/** True when `e` is a {@link RecForgeError}, optionally with the given code. */
export function isRecForgeError(e: unknown, code?: RecForgeErrorCode): e is RecForgeError {
  return e instanceof RecForgeError && (code === undefined || e.code === code)
}

/**
 * Builds a PARSE_ERROR that names the file, the line and the offending text.
 */
export function parseError(what: string, loc: ErrorLocation, cause?: unknown): RecForgeError {
  const where = [loc.file ?? '<input>', loc.line !== undefined ? `line ${loc.line}` : undefined, loc.column !== undefined ? `column ${loc.column}` : undefined]
    .filter(Boolean)
    .join(', ')
  const text = loc.text !== undefined ? `: ${JSON.stringify(loc.text.length > 200 ? loc.text.slice(0, 200) + '…' : loc.text)}` : ''
  return new RecForgeError('PARSE_ERROR', `${where}: ${what}${text}`, { location: loc, cause })
}

/** Throws INVALID_ARGUMENT unless `cond` holds. */
export function invariant(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new RecForgeError('INVALID_ARGUMENT', typeof message === 'function' ? message() : message)
}

/** Checks a numeric option: finite, within [min, max], an integer when asked. */
export function checkNumber(name: string, value: number, opts: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {}): number {
  const bad =
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (opts.integer && !Number.isInteger(value)) ||
    (opts.min !== undefined && (opts.exclusiveMin ? value <= opts.min : value < opts.min)) ||
    (opts.max !== undefined && value > opts.max)
  if (bad) {
    const range = [
      opts.integer ? 'an integer' : 'a finite number',
      opts.min !== undefined ? `${opts.exclusiveMin ? '>' : '>='} ${opts.min}` : '',
      opts.max !== undefined ? `<= ${opts.max}` : '',
    ]
      .filter(Boolean)
      .join(' ')
    throw new RecForgeError('INVALID_ARGUMENT', `option "${name}" must be ${range}; got ${String(value)}`)
  }
  return value
}

/** Throws ABORTED if the signal has fired. Call between epochs and batches. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'operation'): void {
  if (signal?.aborted) throw new RecForgeError('ABORTED', `${what} was aborted`, { cause: signal.reason })
}
