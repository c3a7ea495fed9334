/**
 * The `recforge evaluate` contract of EVAL.md: its arguments and the one JSON object it prints;
 * shared by the protocol implementations (evaluate, replay).
 */
import type { ParamValues, ProgressEvent } from '@recforge/core'
import type { LoadOptions, LoadReport } from '@recforge/data'
import type { PrivacyReport } from '@recforge/privacy'

/** The loader options the command line sets (`--on-bad-row`, `--duplicates`, `--rating-range`, `--trim-ids`). */
export type CleaningOptions = Pick<LoadOptions, 'onBadRow' | 'duplicates' | 'ratingRange' | 'trimIds'>

/** Column options shared by `csv:` data and the `given` protocol's files. */
export interface ColumnOptions {
  userCol?: string
  itemCol?: string
  ratingCol?: string
  timeCol?: string
  sep?: string
}

export interface EvaluateArgs {
  /** `--data` spec (EVAL.md); `builtin` means the app's ml-latest-small. */
  data?: string
  model: string
  protocol: string
  /** Defaults to `10`. */
  k?: number
  /** Defaults to `42`. */
  seed?: number
  /** `--set key=value` overrides, as strings. */
  set?: Record<string, string>
  /** `--min-rating r` for holdout-full / temporal-full. */
  minRating?: number
  /** `--train` / `--test` files for the `given` protocol. */
  train?: string
  test?: string
  columns?: ColumnOptions
  /** What the loaders do with bad rows, repeated pairs, out-of-range values and spaced ids (`--on-bad-row`, `--duplicates`, `--rating-range`, `--trim-ids`). */
  cleaning?: CleaningOptions
  onProgress?: (e: ProgressEvent) => void
  log?: (message: string) => void
  signal?: AbortSignal
}

/** The one JSON object `recforge evaluate --json` prints (keys fixed by EVAL.md). */
export interface EvaluateOutput {
  dataset: string
  protocol: string
  model: string
  params: ParamValues
  seed: number
  k: number
  metrics: Record<string, number>
  folds: Record<string, number>[]
  usersEvaluated: number
  usersSkipped: number
  unseenUsers?: number
  unseenItems?: number
  timing: { fitSeconds: number; evalSeconds: number }
  backend: string
  version: string
  /** What loading the data did, per file: rows read and kept, skipped, merged, clamped, trimmed, warnings. */
  load?: LoadReport[]
  /** The privacy the fitted model spent, for differentially private models (the weakest guarantee over folds). */
  privacy?: PrivacyReport
}

/** Writes what loading did to `log`: per file, rows kept and skipped, merged, clamped and trimmed, the value range, and warnings. */
export function reportLoad(reports: readonly LoadReport[], log: ((message: string) => void) | undefined): void {
  if (!log) return
  for (const r of reports) {
    const parts: string[] = []
    const skipped = Object.entries(r.skipped)
    if (skipped.length) parts.push(`skipped ${skipped.map(([why, n]) => `${n} (${why})`).join(', ')}`)
    if (r.merged) parts.push(`merged ${r.merged} repeated (user, item) rows`)
    if (r.clamped) parts.push(`clamped ${r.clamped} values`)
    if (r.trimmed) parts.push(`trimmed ${r.trimmed} ids`)
    if (parts.length || r.interactions) log(`${r.file}: kept ${r.rowsKept} of ${r.rowsRead} rows${parts.length ? `; ${parts.join('; ')}` : ''}${r.valueRange ? `; values ${r.valueRange.min}..${r.valueRange.max}` : ''}`)
    for (const w of r.warnings) log(`${r.file}: ${w}`)
  }
}
