import type { Interactions, ItemSideInfo, RunOptions } from '@recforge/core'

/** What one file contributed to a dataset: rows read, rows kept, and why the rest were skipped. */
export interface LoadReport {
  /** The file that was read. */
  file: string
  /** Data rows read (header excluded); equals `rowsKept` plus the sum of `skipped`. */
  rowsRead: number
  /** Rows that became interactions (or side-information entries). */
  rowsKept: number
  /** Skipped rows by reason, e.g. `{ "bad number": 3, "blank line": 1 }`. */
  skipped: Record<string, number>
  /** Things worth knowing that did not stop the load (e.g. items rated but missing from the metadata). */
  warnings: string[]
  /** Set on the report of the file the interactions came from (not side tables or folds). */
  interactions?: true
  /** The smallest and largest value read (ratings or weights), when the file has values. */
  valueRange?: { min: number; max: number }
  /** Rows whose value was moved into `ratingRange` (with `clamp: true`). */
  clamped?: number
  /** Ids whose surrounding white space was removed (`trimIds`). */
  trimmed?: number
  /** Rows merged into another row of the same (user, item) pair by the `duplicates` policy. */
  merged?: number
}

/** How {@link LoadOptions.duplicates} treats repeated (user, item) pairs: keep them all, or merge them like `dedupe` does. */
export type DuplicatesOption = 'keep' | 'latest' | 'first' | 'mean'

/** A loaded dataset: interactions, item side information and the load reports, plus predefined folds where the dataset has them. */
export interface Dataset {
  /** `movielens-100k`, `movielens-1m`, `movielens-latest`, `goodbooks-10k`, `csv`, `synthetic`. */
  name: string
  interactions: Interactions
  /** Titles, genres, tags, authors, years indexed by the dataset's item index. */
  itemInfo?: ItemSideInfo
  /** Per-user text columns indexed by user index (MovieLens `u.user` / `users.dat`: gender, age, occupation, zip). */
  userFields?: Readonly<Record<string, readonly (string | undefined)[]>>
  /** One report per file read. */
  reports: LoadReport[]
  /** The dataset's own train/test folds (MovieLens 100K `u1..u5`), over the same vocabularies as `interactions`. */
  folds?: readonly { train: Interactions; test: Interactions }[]
}

/** What to do with a row that cannot be parsed. */
export type BadRowPolicy = 'error' | 'skip'

/** Options for {@link loadDataset} and the individual loaders. */
export interface LoadOptions extends RunOptions {
  /** User id column: a header name, or a 0-based column number when the file has no header. Defaults to the first of `userId`, `user_id`, `user`, `uid` found, else column `0`. */
  userCol?: string
  /** Item id column. Defaults to the first of `itemId`, `item_id`, `item`, `movieId`, `book_id`, `iid` found, else column `1`. */
  itemCol?: string
  /** Rating / weight column; without one every interaction has value 1. Defaults to the first of `rating`, `score`, `value`, `weight` found, else column `2` when present. */
  ratingCol?: string
  /** Timestamp column (seconds since the epoch, or an ISO date). Defaults to the first of `timestamp`, `time`, `ts`, `date` found, else column `3` when present. */
  timeCol?: string
  /** Field separator (any string, e.g. `,`, `\t`, `::`). Defaults to `\t` for `.tsv`, `,` for `.csv`, else sniffed from the first line. */
  sep?: string
  /** Whether the first line is a header. Defaults to detecting it: the first line is a header when it names one of the columns asked for or known. */
  header?: boolean
  /** Stop at the first malformed row (`error`, a PARSE_ERROR) or skip it and count it in the report (`skip`). Defaults to `'error'`. */
  onBadRow?: BadRowPolicy
  /** An event-type column (e.g. `event` with `view`, `click`, `buy`); with `eventWeights`, each row's value is its event's weight. Defaults to none. */
  eventCol?: string
  /** Weight per event type, e.g. `{ view: 1, click: 2, buy: 5 }`; rows with other events are bad rows (`unknown event`). Defaults to none. */
  eventWeights?: Readonly<Record<string, number>>
  /** Load only item side information (for a directory without a ratings file, e.g. goodbooks-10k's books.csv). Defaults to `false`. */
  itemsOnly?: boolean
  /** Seed of the `synthetic:` generator. Defaults to `42`. */
  seed?: number
  /**
   * Repeated (user, item) pairs: `keep` them all (counted in the report's warnings), or merge them
   * into one interaction (`latest`, `first`, `mean`, as `dedupe`; counted in `merged`). Applied by
   * {@link loadDataset} and `loadFile`. Defaults to `'keep'`.
   */
  duplicates?: DuplicatesOption
  /**
   * Values outside `[min, max]` are dropped (counted in `skipped` as `value below <min>` /
   * `value above <max>`) or, with `clamp: true`, moved to the nearest bound (counted in `clamped`).
   * Defaults to the dataset's documented scale for MovieLens (0.5..5 for latest, 1..5 for 100K and
   * 1M) and Goodbooks (1..5), and to none for other files (the report then gives the range read).
   */
  ratingRange?: { min: number; max: number; clamp?: boolean }
  /** Remove white space around user and item ids (counted in `trimmed`); otherwise such ids are kept as they are and counted in a warning. Defaults to `false`. */
  trimIds?: boolean
}
