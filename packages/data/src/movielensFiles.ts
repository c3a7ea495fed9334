import { IdVocabulary, InteractionsBuilder, type Interactions } from '@recforge/core'
import { cleaning, readRows, readTable, runOptions as run } from './internal/table'
import { SideInfoBuilder, warnMissingSide, yearFromTitle } from './internal/side'
import { toByteSource, type DataInput } from './source'
import type { Dataset, LoadOptions, LoadReport } from './types'

/** The 19 genres of MovieLens 100K's `u.item` flags, in column order (as in `u.genre`). */
export const ML100K_GENRES: readonly string[] = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
]

/** The files of a MovieLens latest release, each any {@link DataInput}. */
export interface MovieLensLatestFiles {
  /** `ratings.csv`: `userId,movieId,rating,timestamp`. */
  ratings: DataInput
  /** `movies.csv`: `movieId,title,genres` (quoted CSV). Defaults to none (no titles or genres). */
  movies?: DataInput
  /** `tags.csv`: `userId,movieId,tag,timestamp`. Defaults to none. */
  tags?: DataInput
}

/**
 * Loads MovieLens latest / latest-small / 25M / 32M from its files wherever they are: URLs
 * ({@link fetchSource}), `File`s a user picked, `Blob`s, bytes. The same rows in give the same
 * dataset as `loadMovieLensLatest(dir)` in `@recforge/data/node`. Item indices follow `movies.csv`
 * order, so movies nobody rated are still in the item vocabulary.
 *
 * @example
 * ```ts
 * const ds = await loadMovieLensLatestFrom({ ratings: fetchSource('/ml/ratings.csv'), movies: fetchSource('/ml/movies.csv') })
 * ds.interactions.items.size // 9742
 * ```
 * @throws RecForgeError IO_ERROR when a file cannot be read; PARSE_ERROR naming file and line on malformed rows.
 */
export async function loadMovieLensLatestFrom(files: MovieLensLatestFiles, opts: LoadOptions = {}): Promise<Dataset> {
  const ratings = toByteSource(files.ratings, 'ratings.csv')
  const onBadRow = opts.onBadRow ?? 'error'
  const users = new IdVocabulary()
  const items = new IdVocabulary()
  const side = new SideInfoBuilder()
  const reports: LoadReport[] = []
  const moviesFile = files.movies === undefined ? undefined : toByteSource(files.movies, 'movies.csv')
  let moviesReport: LoadReport | undefined
  if (moviesFile) {
    const { report } = await readRows({ source: moviesFile, sep: ',', header: true, quoted: true, encoding: 'utf-8', minFields: 3, shape: 'movieId,title,genres', onBadRow, ...run(opts) }, (f) => {
      if (items.index(f[0]!) !== undefined) return 'duplicate id'
      const i = items.add(f[0]!)
      const title = f[1]!.trim()
      side.setTitle(i, title || undefined)
      const g = f[2]!
      side.setGenres(i, g && g !== '(no genres listed)' ? g.split('|').filter(Boolean) : [])
      side.setField('year', i, yearFromTitle(title))
    })
    reports.push((moviesReport = report))
  }
  const b = new InteractionsBuilder({ timestamps: true, users, items, capacity: 1 << 17 })
  reports.push(
    await readTable(
      { source: ratings, sep: ',', header: true, quoted: true, encoding: 'utf-8', user: 'userId', item: 'movieId', rating: 'rating', time: 'timestamp', requireRating: true, requireTime: true, onBadRow, ...run(opts), ...cleaning(opts, { min: 0.5, max: 5 }) },
      b,
    ),
  )
  const tagsFile = files.tags === undefined ? undefined : toByteSource(files.tags, 'tags.csv')
  if (tagsFile) {
    let unknown = 0
    const { report } = await readRows({ source: tagsFile, sep: ',', header: true, quoted: true, encoding: 'utf-8', minFields: 3, shape: 'userId,movieId,tag,timestamp', onBadRow, ...run(opts) }, (f) => {
      const i = items.index(f[1]!)
      if (i === undefined) {
        unknown++
        return
      }
      const tag = f[2]!.trim()
      if (tag) side.addTag(i, tag)
    })
    if (unknown) report.warnings.push(`${unknown} tag rows name movies that are neither in movies.csv nor rated; their tags were not attached`)
    reports.push(report)
  }
  const itemInfo = side.build(items.size)
  if (moviesReport) warnMissingSide(moviesReport, itemInfo, items.size, 'items')
  return { name: 'movielens-latest', interactions: b.build(), ...(moviesReport ? { itemInfo } : {}), reports }
}

/** The files of MovieLens 100K, each any {@link DataInput}. */
export interface MovieLens100kFiles {
  /** `u.data`: tab-separated `user item rating timestamp`. */
  data: DataInput
  /** `u.item`: pipe-separated latin-1 titles, dates and genre flags; item indices follow it. Defaults to none. */
  item?: DataInput
  /** `u.user`: `user id|age|gender|occupation|zip code`; user indices follow it. Defaults to none. */
  user?: DataInput
  /** `u.genre`: the genre names. Defaults to {@link ML100K_GENRES}. */
  genre?: DataInput
  /** The `u1..u5.base/.test` folds, mapped onto the vocabularies of `u.data`. Defaults to none. */
  folds?: readonly { base: DataInput; test: DataInput }[]
}

/**
 * Loads MovieLens 100K from its files wherever they are ({@link fetchSource} URLs, `File`s,
 * `Blob`s, bytes); `loadMovieLens100k(dir)` in `@recforge/data/node` reads a folder. Item indices
 * follow `u.item` order; users follow `u.user` order (else first appearance).
 *
 * @example
 * ```ts
 * const ds = await loadMovieLens100kFrom({ data: fetchSource('/ml-100k/u.data'), item: fetchSource('/ml-100k/u.item') })
 * ```
 * @throws RecForgeError IO_ERROR when a file cannot be read; PARSE_ERROR naming file and line on malformed rows (unless `onBadRow: 'skip'`).
 */
export async function loadMovieLens100kFrom(files: MovieLens100kFiles, opts: LoadOptions = {}): Promise<Dataset> {
  const dataFile = toByteSource(files.data, 'u.data')
  const onBadRow = opts.onBadRow ?? 'error'
  const users = new IdVocabulary()
  const items = new IdVocabulary()
  const side = new SideInfoBuilder()
  const reports: LoadReport[] = []
  let genreNames = ML100K_GENRES
  if (files.genre !== undefined) {
    const genreFile = toByteSource(files.genre, 'u.genre')
    const names: string[] = []
    await readRows({ source: genreFile, sep: '|', header: false, quoted: false, encoding: 'latin1', minFields: 2, shape: 'genre|index', onBadRow: 'skip' }, (f) => {
      const k = Number(f[1])
      if (!Number.isInteger(k) || k < 0) return 'bad genre index'
      names[k] = f[0]!
    })
    if (names.length === ML100K_GENRES.length) genreNames = names
  }
  let itemReport: LoadReport | undefined
  if (files.item !== undefined) {
    const itemFile = toByteSource(files.item, 'u.item')
    const ng = genreNames.length
    const { report } = await readRows(
      { source: itemFile, sep: '|', header: false, quoted: false, encoding: 'latin1', minFields: 5 + ng, shape: `movie id|title|release date|video release date|IMDb URL|${ng} genre flags`, onBadRow, ...run(opts) },
      (f) => {
        if (items.index(f[0]!) !== undefined) return 'duplicate id'
        const i = items.add(f[0]!)
        const title = f[1]!
        side.setTitle(i, title || undefined)
        const g: string[] = []
        for (let k = 0; k < ng; k++) if (f[5 + k] === '1') g.push(genreNames[k]!)
        side.setGenres(i, g)
        side.setField('year', i, yearFromTitle(title) ?? (/(\d{4})$/.exec(f[2]!)?.[1] || undefined))
        side.setField('releaseDate', i, f[2] || undefined)
        side.setField('imdbUrl', i, f[4] || undefined)
      },
    )
    reports.push((itemReport = report))
  }
  const userFields: Record<string, (string | undefined)[]> = {}
  if (files.user !== undefined) {
    const userFile = toByteSource(files.user, 'u.user')
    const { report } = await readRows({ source: userFile, sep: '|', header: false, quoted: false, encoding: 'latin1', minFields: 5, shape: 'user id|age|gender|occupation|zip code', onBadRow, ...run(opts) }, (f) => {
      if (users.index(f[0]!) !== undefined) return 'duplicate id'
      const u = users.add(f[0]!)
      ;(userFields.age ??= [])[u] = f[1]
      ;(userFields.gender ??= [])[u] = f[2]
      ;(userFields.occupation ??= [])[u] = f[3]
      ;(userFields.zip ??= [])[u] = f[4]
    })
    reports.push(report)
  }
  const table = { sep: '\t', header: false, quoted: false, encoding: 'latin1', user: 0, item: 1, rating: 2, time: 3, requireRating: true, requireTime: true, onBadRow, ...run(opts), ...cleaning(opts, { min: 1, max: 5 }) } as const
  const b = new InteractionsBuilder({ timestamps: true, users, items, capacity: 100_000 })
  reports.push(await readTable({ ...table, source: dataFile }, b))
  const interactions = b.build()
  const folds: { train: Interactions; test: Interactions }[] = []
  for (const [k, fold] of (files.folds ?? []).entries()) {
    const parts: Interactions[] = []
    for (const file of [toByteSource(fold.base, `u${k + 1}.base`), toByteSource(fold.test, `u${k + 1}.test`)]) {
      const fb = new InteractionsBuilder({ timestamps: true, users, items, capacity: 80_000 })
      reports.push(await readTable({ ...table, source: file, lookupOnly: true }, fb))
      parts.push(fb.build())
    }
    folds.push({ train: parts[0]!, test: parts[1]! })
  }
  const itemInfo = side.build(items.size)
  if (itemReport) warnMissingSide(itemReport, itemInfo, items.size, 'items')
  return {
    name: 'movielens-100k',
    interactions,
    ...(itemReport ? { itemInfo } : {}),
    reports,
    ...(Object.keys(userFields).length ? { userFields: padFields(userFields, users.size) } : {}),
    ...(folds.length ? { folds } : {}),
  }
}

function padFields(f: Record<string, (string | undefined)[]>, n: number): Record<string, (string | undefined)[]> {
  const out: Record<string, (string | undefined)[]> = {}
  for (const [k, v] of Object.entries(f)) out[k] = Array.from({ length: n }, (_, i) => v[i])
  return out
}

/** The files of MovieLens 1M, each any {@link DataInput}. */
export interface MovieLens1mFiles {
  /** `ratings.dat`: `UserID::MovieID::Rating::Timestamp`, latin-1. */
  ratings: DataInput
  /** `movies.dat`: `MovieID::Title::Genres`; item indices follow it. Defaults to none. */
  movies?: DataInput
  /** `users.dat`: `UserID::Gender::Age::Occupation::Zip`. Defaults to none. */
  users?: DataInput
}

/**
 * Loads MovieLens 1M from its files wherever they are ({@link fetchSource} URLs, `File`s,
 * `Blob`s, bytes); `loadMovieLens1m(dir)` in `@recforge/data/node` reads a folder. Item indices
 * follow `movies.dat` order.
 *
 * @example
 * ```ts
 * const ds = await loadMovieLens1mFrom({ ratings: fetchSource('/ml-1m/ratings.dat') })
 * ```
 * @throws RecForgeError IO_ERROR when a file cannot be read; PARSE_ERROR naming file and line on malformed rows.
 */
export async function loadMovieLens1mFrom(files: MovieLens1mFiles, opts: LoadOptions = {}): Promise<Dataset> {
  const ratings = toByteSource(files.ratings, 'ratings.dat')
  const onBadRow = opts.onBadRow ?? 'error'
  const users = new IdVocabulary()
  const items = new IdVocabulary()
  const side = new SideInfoBuilder()
  const reports: LoadReport[] = []
  let moviesReport: LoadReport | undefined
  if (files.movies !== undefined) {
    const moviesFile = toByteSource(files.movies, 'movies.dat')
    const { report } = await readRows({ source: moviesFile, sep: '::', header: false, quoted: false, encoding: 'latin1', minFields: 3, shape: 'MovieID::Title::Genres', onBadRow, ...run(opts) }, (f) => {
      if (items.index(f[0]!) !== undefined) return 'duplicate id'
      const i = items.add(f[0]!)
      side.setTitle(i, f[1] || undefined)
      side.setGenres(i, f[2] ? f[2].split('|').filter(Boolean) : [])
      side.setField('year', i, yearFromTitle(f[1]!))
    })
    reports.push((moviesReport = report))
  }
  const userFields: Record<string, (string | undefined)[]> = {}
  if (files.users !== undefined) {
    const usersFile = toByteSource(files.users, 'users.dat')
    const { report } = await readRows({ source: usersFile, sep: '::', header: false, quoted: false, encoding: 'latin1', minFields: 5, shape: 'UserID::Gender::Age::Occupation::Zip-code', onBadRow, ...run(opts) }, (f) => {
      if (users.index(f[0]!) !== undefined) return 'duplicate id'
      const u = users.add(f[0]!)
      ;(userFields.gender ??= [])[u] = f[1]
      ;(userFields.age ??= [])[u] = f[2]
      ;(userFields.occupation ??= [])[u] = f[3]
      ;(userFields.zip ??= [])[u] = f[4]
    })
    reports.push(report)
  }
  const b = new InteractionsBuilder({ timestamps: true, users, items, capacity: 1_000_210 })
  reports.push(
    await readTable({ source: ratings, sep: '::', header: false, quoted: false, encoding: 'latin1', user: 0, item: 1, rating: 2, time: 3, requireRating: true, requireTime: true, onBadRow, ...run(opts), ...cleaning(opts, { min: 1, max: 5 }) }, b),
  )
  const itemInfo = side.build(items.size)
  if (moviesReport) warnMissingSide(moviesReport, itemInfo, items.size, 'items')
  return {
    name: 'movielens-1m',
    interactions: b.build(),
    ...(moviesReport ? { itemInfo } : {}),
    ...(Object.keys(userFields).length ? { userFields: padFields(userFields, users.size) } : {}),
    reports,
  }
}
