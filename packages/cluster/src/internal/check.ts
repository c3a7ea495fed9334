import { RecForgeError, checkNumber } from '@recforge/core'
import type { Embedding } from '../types'

/**
 * Checks an embedding's shape and values and returns its number of rows.
 *
 * @throws RecForgeError INVALID_ARGUMENT for a non-Float32Array, a bad `dimensions` or a
 * non-finite value (naming the row and column); DIMENSION_MISMATCH when the length is not a whole
 * number of rows; EMPTY_INPUT for no rows.
 */
export function checkEmbedding(what: string, e: Embedding): number {
  if (!e || !(e.vectors instanceof Float32Array)) {
    throw new RecForgeError('INVALID_ARGUMENT', `${what}: vectors must be a Float32Array (row-major rows × dimensions); got ${describe(e?.vectors)}`)
  }
  const d = e.dimensions
  if (!Number.isInteger(d) || d < 1) throw new RecForgeError('INVALID_ARGUMENT', `${what}: dimensions must be a positive integer; got ${String(d)}`)
  const len = e.vectors.length
  if (len % d !== 0) {
    throw new RecForgeError('DIMENSION_MISMATCH', `${what}: ${len} values are not a whole number of rows of ${d} dimensions (${Math.floor(len / d)} rows and ${len % d} values left over)`)
  }
  const n = len / d
  if (n === 0) throw new RecForgeError('EMPTY_INPUT', `${what}: the embedding has no rows`)
  const v = e.vectors
  for (let i = 0; i < len; i++) {
    const x = v[i]!
    if (x - x !== 0) {
      throw new RecForgeError('INVALID_ARGUMENT', `${what}: row ${Math.floor(i / d)} has a non-finite value (${x}) in dimension ${i % d}; every value must be a finite number`)
    }
  }
  return n
}

/** Checks that `labels` has one entry per row. */
export function checkLabels(what: string, labels: Int32Array, rows: number): void {
  if (!(labels instanceof Int32Array)) throw new RecForgeError('INVALID_ARGUMENT', `${what}: labels must be an Int32Array; got ${describe(labels)}`)
  if (labels.length !== rows) throw new RecForgeError('DIMENSION_MISMATCH', `${what}: ${labels.length} labels for ${rows} rows; give one label per row`)
}

/** Checks a numeric option with core's `checkNumber`, naming the function in the message. */
export function checkOption(what: string, name: string, value: number, opts: Parameters<typeof checkNumber>[2]): number {
  try {
    return checkNumber(name, value, opts)
  } catch (e) {
    throw new RecForgeError('INVALID_ARGUMENT', `${what}: ${(e as Error).message}`)
  }
}

/** Checks `k` against the number of rows. */
export function checkK(what: string, k: number, rows: number): void {
  checkOption(what, 'k', k, { min: 1, integer: true })
  if (k > rows) throw new RecForgeError('INVALID_ARGUMENT', `${what}: k = ${k} clusters need at least ${k} rows; the embedding has ${rows}`)
}

/** Checks an optional metric name. */
export function checkMetric(what: string, metric: string): void {
  if (metric !== 'l2' && metric !== 'cosine') throw new RecForgeError('INVALID_ARGUMENT', `${what}: metric must be "l2" or "cosine"; got ${JSON.stringify(metric)}`)
}

/**
 * Unit-length copies of the rows, for cosine distances.
 *
 * @throws RecForgeError INVALID_ARGUMENT for an all-zero row, whose cosine is undefined.
 */
export function unitRows(what: string, v: Float32Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n * d)
  for (let i = 0; i < n; i++) {
    const o = i * d
    let s = 0
    for (let j = 0; j < d; j++) s += v[o + j]! * v[o + j]!
    if (s === 0) throw new RecForgeError('INVALID_ARGUMENT', `${what}: row ${i} is all zeros, so its cosine distance is undefined; drop it or use metric "l2"`)
    const inv = 1 / Math.sqrt(s)
    for (let j = 0; j < d; j++) out[o + j] = v[o + j]! * inv
  }
  return out
}

function describe(x: unknown): string {
  if (x === undefined || x === null) return String(x)
  if (ArrayBuffer.isView(x)) return x.constructor.name
  return Array.isArray(x) ? 'an array' : typeof x
}
