import path from 'node:path'
import { RecForgeError } from '@recforge/core'
import { loadDelimited, loadJsonl, loadParquet } from './fileLoaders'
import { loadGoodbooks } from './goodbooks'
import { loadMovieLens100k, loadMovieLens1m, loadMovieLensLatest } from './movielens'
import { generateSynthetic, SYNTHETIC_PRESETS, type SyntheticPreset } from './synthetic'
import { countDuplicates, dedupe } from './clean'
import type { Dataset, LoadOptions } from './types'

/** The `spec` prefixes {@link loadDataset} accepts. */
export const DATASET_KINDS: readonly string[] = ['movielens-100k', 'movielens-1m', 'movielens-latest', 'goodbooks-10k', 'csv', 'tsv', 'jsonl', 'parquet', 'synthetic']

function loadFileAsIs(file: string, opts: LoadOptions): Promise<Dataset> {
  const ext = path.extname(file).toLowerCase()
  if (ext === '.jsonl' || ext === '.ndjson') return loadJsonl(file, opts)
  if (ext === '.parquet') return loadParquet(file, opts)
  return loadDelimited(file, opts)
}

/**
 * Applies the `duplicates` option: repeated (user, item) pairs are counted in a warning of the
 * interactions file's report (`keep`), or merged and counted in its `merged`.
 */
function resolveDuplicates(ds: Dataset, opts: LoadOptions): Dataset {
  const policy = opts.duplicates ?? 'keep'
  if (policy !== 'keep' && policy !== 'latest' && policy !== 'first' && policy !== 'mean') {
    throw new RecForgeError('INVALID_ARGUMENT', `duplicates must be keep, latest, first or mean; got ${JSON.stringify(policy)}`)
  }
  const report = ds.reports.find((r) => r.interactions)
  if (policy === 'keep') {
    const n = countDuplicates(ds.interactions)
    if (n && report) report.warnings.push(`${n} rows repeat the (user, item) pair of an earlier row and were all kept (pass duplicates: 'latest' | 'first' | 'mean', or --duplicates, to merge them)`)
    return ds
  }
  const { data, report: r } = dedupe(ds.interactions, policy)
  if (report && r.before > r.after) report.merged = r.before - r.after
  return { ...ds, interactions: data }
}

/**
 * Loads an interactions file by its extension: `.jsonl`/`.ndjson` as JSON Lines, `.parquet` as
 * Parquet, anything else as delimited text; then applies the `duplicates` option.
 *
 * @example
 * ```ts
 * const ds = await loadFile('events.tsv', { duplicates: 'latest', trimIds: true })
 * ```
 * @throws RecForgeError as the loader for the extension does.
 */
export async function loadFile(file: string, opts: LoadOptions = {}): Promise<Dataset> {
  return resolveDuplicates(await loadFileAsIs(file, opts), opts)
}

/**
 * Loads a dataset from a spec as in EVAL.md's `--data`: `movielens-100k:<dir>`, `movielens-1m:<dir>`,
 * `movielens-latest:<dir>`, `goodbooks-10k:<dir>`, `csv:<file>` (also `.tsv`, `.jsonl`, `.parquet`
 * by extension; column options apply), or `synthetic:<preset>` (`small`, `ml100k`, `1m`, `10m`, `20m`).
 *
 * @example
 * ```ts
 * const ds = await loadDataset('movielens-latest:/data/ml-latest-small')
 * const csv = await loadDataset('csv:events.tsv', { userCol: 'visitor', itemCol: 'sku', onBadRow: 'skip' })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an unknown spec or preset; IO_ERROR for missing files; PARSE_ERROR (file, line, text) for malformed rows unless `onBadRow: 'skip'`; ABORTED when the signal fires.
 */
export async function loadDataset(spec: string, opts: LoadOptions = {}): Promise<Dataset> {
  const ds = await loadSpec(spec, opts)
  return ds.name === 'synthetic' ? ds : resolveDuplicates(ds, opts)
}

async function loadSpec(spec: string, opts: LoadOptions): Promise<Dataset> {
  const colon = spec.indexOf(':')
  const kind = colon > 0 ? spec.slice(0, colon) : ''
  const arg = colon > 0 ? spec.slice(colon + 1) : spec
  if (!DATASET_KINDS.includes(kind)) {
    if (/\.(csv|tsv|tab|txt|dat|jsonl|ndjson|parquet)$/i.test(spec)) return loadFileAsIs(spec, opts)
    throw new RecForgeError('INVALID_ARGUMENT', `unknown dataset spec ${JSON.stringify(spec)}; expected one of ${DATASET_KINDS.map((k) => `${k}:${k === 'synthetic' ? '<preset>' : k.includes('-') ? '<dir>' : '<file>'}`).join(', ')}`)
  }
  if (!arg) throw new RecForgeError('INVALID_ARGUMENT', `dataset spec ${JSON.stringify(spec)} names no ${kind === 'synthetic' ? 'preset' : 'path'} after "${kind}:"`)
  switch (kind) {
    case 'movielens-100k':
      return loadMovieLens100k(arg, opts)
    case 'movielens-1m':
      return loadMovieLens1m(arg, opts)
    case 'movielens-latest':
      return loadMovieLensLatest(arg, opts)
    case 'goodbooks-10k':
      return loadGoodbooks(arg, opts)
    case 'synthetic': {
      if (!(arg in SYNTHETIC_PRESETS)) throw new RecForgeError('INVALID_ARGUMENT', `unknown synthetic preset ${JSON.stringify(arg)}; expected one of ${Object.keys(SYNTHETIC_PRESETS).join(', ')}`)
      return generateSynthetic(arg as SyntheticPreset, { seed: opts.seed ?? 42, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) })
    }
    case 'tsv':
      return loadDelimited(arg, { sep: '\t', ...opts })
    case 'jsonl':
      return loadJsonl(arg, opts)
    case 'parquet':
      return loadParquet(arg, opts)
    default:
      return loadFileAsIs(arg, opts)
  }
}
