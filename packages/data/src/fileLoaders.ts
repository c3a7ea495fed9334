import { stat } from 'node:fs/promises'
import { RecForgeError } from '@recforge/core'
import { fileSource } from './files'
import { loadDelimitedFrom, loadJsonlFrom, parquetFrom } from './generic'
import type { Dataset, LoadOptions } from './types'

/**
 * Loads interactions from a delimited text file (CSV, TSV, `::` or any separator) with RFC-4180
 * quoting, with or without a header: {@link loadDelimitedFrom} over the file. Columns are found
 * by the column options, else by the {@link DEFAULT_COLUMNS} names, else by position (user, item,
 * rating, time).
 *
 * @example
 * ```ts
 * const ds = await loadDelimited('events.tsv', { userCol: 'visitor', itemCol: 'product', timeCol: 'ts' })
 * ```
 * @throws RecForgeError IO_ERROR when the file cannot be read; INVALID_ARGUMENT for a column the header lacks; PARSE_ERROR naming file, line and text for malformed rows, an empty file, or non-UTF-8 bytes.
 */
export function loadDelimited(file: string, opts: LoadOptions = {}): Promise<Dataset> {
  return loadDelimitedFrom(fileSource(file), opts)
}

/**
 * Loads interactions from a JSON Lines file: {@link loadJsonlFrom} over the file. Blank lines
 * are counted and skipped.
 *
 * @example
 * ```ts
 * const ds = await loadJsonl('events.jsonl', { userCol: 'user', itemCol: 'sku' })
 * ```
 * @throws RecForgeError PARSE_ERROR naming file, line and text for a line that is not a JSON object or lacks a field; IO_ERROR when unreadable.
 */
export function loadJsonl(file: string, opts: LoadOptions = {}): Promise<Dataset> {
  return loadJsonlFrom(fileSource(file), opts)
}

/**
 * Loads interactions from a Parquet file with hyparquet, one row group at a time, reading only
 * the user, item, rating and time columns (found like {@link loadDelimited}'s columns).
 * Bad cells are reported by row number (`line` in the error is the 1-based row).
 *
 * @example
 * ```ts
 * const ds = await loadParquet('ratings.parquet')
 * ```
 * @throws RecForgeError IO_ERROR when unreadable; PARSE_ERROR when the file is not Parquet or a cell is bad; INVALID_ARGUMENT for a missing column.
 */
export async function loadParquet(file: string, opts: LoadOptions = {}): Promise<Dataset> {
  const { asyncBufferFromFile } = await import('hyparquet')
  try {
    await stat(file)
  } catch (e) {
    throw new RecForgeError('IO_ERROR', `cannot read ${file}: ${(e as Error).message}`, { cause: e })
  }
  return parquetFrom(await asyncBufferFromFile(file), file, opts)
}
