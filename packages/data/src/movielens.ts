import { existsSync } from 'node:fs'
import path from 'node:path'
import { IdVocabulary, InteractionsBuilder, RecForgeError, type Interactions } from '@recforge/core'
import { cleaning, readRows, readTable, runOptions as run } from './internal/table'
import { fileSource } from './files'
import { loadMovieLensLatestFrom } from './movielensLatest'
import { SideInfoBuilder, warnMissingSide, yearFromTitle } from './internal/side'
import type { Dataset, LoadOptions, LoadReport } from './types'

/** The 19 genres of MovieLens 100K's `u.item` flags, in column order (as in `u.genre`). */
export const ML100K_GENRES: readonly string[] = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
]

function requireFile(dir: string, name: string, what: string): string {
  const f = path.join(dir, name)
  if (!existsSync(f)) throw new RecForgeError('IO_ERROR', `${what}: ${f} does not exist; expected the dataset's ${name} in ${dir}`)
  return f
}

/**
 * Loads MovieLens 100K from a folder holding `u.data` (tab-separated `user item rating timestamp`),
 * `u.item` (pipe-separated, latin-1: titles, release dates, 19 genre flags), optional `u.user`, and the
 * `u1..u5.base/.test` folds, which are mapped onto the same vocabularies as `u.data`.
 * Item indices follow `u.item` order; users follow `u.user` order (else first appearance).
 *
 * @example
 * ```ts
 * const ds = await loadMovieLens100k('data/ml-100k')
 * ds.folds?.length // 5
 * ```
 * @throws RecForgeError IO_ERROR when `u.data` is missing; PARSE_ERROR naming file and line on malformed rows (unless `onBadRow: 'skip'`).
 */
export async function loadMovieLens100k(dir: string, opts: LoadOptions = {}): Promise<Dataset> {
  const dataFile = requireFile(dir, 'u.data', 'movielens-100k')
  const onBadRow = opts.onBadRow ?? 'error'
  const users = new IdVocabulary()
  const items = new IdVocabulary()
  const side = new SideInfoBuilder()
  const reports: LoadReport[] = []
  let genreNames = ML100K_GENRES
  const genreFile = path.join(dir, 'u.genre')
  if (existsSync(genreFile)) {
    const names: string[] = []
    await readRows({ source: fileSource(genreFile), sep: '|', header: false, quoted: false, encoding: 'latin1', minFields: 2, shape: 'genre|index', onBadRow: 'skip' }, (f) => {
      const k = Number(f[1])
      if (!Number.isInteger(k) || k < 0) return 'bad genre index'
      names[k] = f[0]!
    })
    if (names.length === ML100K_GENRES.length) genreNames = names
  }
  const itemFile = path.join(dir, 'u.item')
  let itemReport: LoadReport | undefined
  if (existsSync(itemFile)) {
    const ng = genreNames.length
    const { report } = await readRows(
      { source: fileSource(itemFile), sep: '|', header: false, quoted: false, encoding: 'latin1', minFields: 5 + ng, shape: `movie id|title|release date|video release date|IMDb URL|${ng} genre flags`, onBadRow, ...run(opts) },
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
  const userFile = path.join(dir, 'u.user')
  if (existsSync(userFile)) {
    const { report } = await readRows({ source: fileSource(userFile), sep: '|', header: false, quoted: false, encoding: 'latin1', minFields: 5, shape: 'user id|age|gender|occupation|zip code', onBadRow, ...run(opts) }, (f) => {
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
  reports.push(await readTable({ ...table, source: fileSource(dataFile) }, b))
  const interactions = b.build()
  const folds: { train: Interactions; test: Interactions }[] = []
  for (let k = 1; k <= 5; k++) {
    const base = path.join(dir, `u${k}.base`)
    const test = path.join(dir, `u${k}.test`)
    if (!existsSync(base) || !existsSync(test)) continue
    const parts: Interactions[] = []
    for (const file of [base, test]) {
      const fb = new InteractionsBuilder({ timestamps: true, users, items, capacity: 80_000 })
      reports.push(await readTable({ ...table, source: fileSource(file), lookupOnly: true }, fb))
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

/**
 * Loads MovieLens 1M from a folder holding `ratings.dat` (`UserID::MovieID::Rating::Timestamp`),
 * and optionally `movies.dat` (`MovieID::Title::Genres`) and `users.dat`
 * (`UserID::Gender::Age::Occupation::Zip`), all latin-1. Item indices follow `movies.dat` order.
 *
 * @example
 * ```ts
 * const ds = await loadMovieLens1m('data/ml-1m')
 * ```
 * @throws RecForgeError IO_ERROR when `ratings.dat` is missing; PARSE_ERROR naming file and line on malformed rows.
 */
export async function loadMovieLens1m(dir: string, opts: LoadOptions = {}): Promise<Dataset> {
  const ratings = requireFile(dir, 'ratings.dat', 'movielens-1m')
  const onBadRow = opts.onBadRow ?? 'error'
  const users = new IdVocabulary()
  const items = new IdVocabulary()
  const side = new SideInfoBuilder()
  const reports: LoadReport[] = []
  const moviesFile = path.join(dir, 'movies.dat')
  let moviesReport: LoadReport | undefined
  if (existsSync(moviesFile)) {
    const { report } = await readRows({ source: fileSource(moviesFile), sep: '::', header: false, quoted: false, encoding: 'latin1', minFields: 3, shape: 'MovieID::Title::Genres', onBadRow, ...run(opts) }, (f) => {
      if (items.index(f[0]!) !== undefined) return 'duplicate id'
      const i = items.add(f[0]!)
      side.setTitle(i, f[1] || undefined)
      side.setGenres(i, f[2] ? f[2].split('|').filter(Boolean) : [])
      side.setField('year', i, yearFromTitle(f[1]!))
    })
    reports.push((moviesReport = report))
  }
  const userFields: Record<string, (string | undefined)[]> = {}
  const usersFile = path.join(dir, 'users.dat')
  if (existsSync(usersFile)) {
    const { report } = await readRows({ source: fileSource(usersFile), sep: '::', header: false, quoted: false, encoding: 'latin1', minFields: 5, shape: 'UserID::Gender::Age::Occupation::Zip-code', onBadRow, ...run(opts) }, (f) => {
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
    await readTable({ source: fileSource(ratings), sep: '::', header: false, quoted: false, encoding: 'latin1', user: 0, item: 1, rating: 2, time: 3, requireRating: true, requireTime: true, onBadRow, ...run(opts), ...cleaning(opts, { min: 1, max: 5 }) }, b),
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

/**
 * Loads MovieLens latest / latest-small / 25M / 32M from a folder holding `ratings.csv`
 * (`userId,movieId,rating,timestamp`), and optionally `movies.csv` (`movieId,title,genres`, quoted CSV)
 * and `tags.csv` (`userId,movieId,tag,timestamp`): {@link loadMovieLensLatestFrom} over the
 * folder's files. Item indices follow `movies.csv` order, so movies nobody rated are still in
 * the item vocabulary.
 *
 * @example
 * ```ts
 * const ds = await loadMovieLensLatest('/data/ml-latest-small')
 * ds.interactions.items.size // 9742
 * ```
 * @throws RecForgeError IO_ERROR when `ratings.csv` is missing; PARSE_ERROR naming file and line on malformed rows.
 */
export function loadMovieLensLatest(dir: string, opts: LoadOptions = {}): Promise<Dataset> {
  const ratings = requireFile(dir, 'ratings.csv', 'movielens-latest')
  const movies = path.join(dir, 'movies.csv')
  const tags = path.join(dir, 'tags.csv')
  return loadMovieLensLatestFrom({ ratings: fileSource(ratings), ...(existsSync(movies) ? { movies: fileSource(movies) } : {}), ...(existsSync(tags) ? { tags: fileSource(tags) } : {}) }, opts)
}
