import { existsSync } from 'node:fs'
import path from 'node:path'
import { RecForgeError } from '@recforge/core'
import { fileSource } from './files'
import { loadMovieLens100kFrom, loadMovieLens1mFrom, loadMovieLensLatestFrom } from './movielensFiles'
import type { ByteSource } from './source'
import type { Dataset, LoadOptions } from './types'

function requireFile(dir: string, name: string, what: string): string {
  const f = path.join(dir, name)
  if (!existsSync(f)) throw new RecForgeError('IO_ERROR', `${what}: ${f} does not exist; expected the dataset's ${name} in ${dir}`)
  return f
}

/** A source over `dir/name` when that file exists. */
function optional(dir: string, name: string): ByteSource | undefined {
  const f = path.join(dir, name)
  return existsSync(f) ? fileSource(f) : undefined
}

/**
 * Loads MovieLens 100K from a folder holding `u.data` (tab-separated `user item rating timestamp`),
 * `u.item` (pipe-separated, latin-1: titles, release dates, 19 genre flags), optional `u.user`, and the
 * `u1..u5.base/.test` folds, which are mapped onto the same vocabularies as `u.data`:
 * {@link loadMovieLens100kFrom} over the folder's files. Item indices follow `u.item` order; users
 * follow `u.user` order (else first appearance).
 *
 * @example
 * ```ts
 * const ds = await loadMovieLens100k('data/ml-100k')
 * ds.folds?.length // 5
 * ```
 * @throws RecForgeError IO_ERROR when `u.data` is missing; PARSE_ERROR naming file and line on malformed rows (unless `onBadRow: 'skip'`).
 */
export async function loadMovieLens100k(dir: string, opts: LoadOptions = {}): Promise<Dataset> {
  const data = requireFile(dir, 'u.data', 'movielens-100k')
  const item = optional(dir, 'u.item')
  const user = optional(dir, 'u.user')
  const genre = optional(dir, 'u.genre')
  const folds: { base: ByteSource; test: ByteSource }[] = []
  for (let k = 1; k <= 5; k++) {
    const base = optional(dir, `u${k}.base`)
    const test = optional(dir, `u${k}.test`)
    if (base && test) folds.push({ base, test })
  }
  return loadMovieLens100kFrom({ data: fileSource(data), ...(item ? { item } : {}), ...(user ? { user } : {}), ...(genre ? { genre } : {}), ...(folds.length ? { folds } : {}) }, opts)
}

/**
 * Loads MovieLens 1M from a folder holding `ratings.dat` (`UserID::MovieID::Rating::Timestamp`),
 * and optionally `movies.dat` (`MovieID::Title::Genres`) and `users.dat`
 * (`UserID::Gender::Age::Occupation::Zip`), all latin-1: {@link loadMovieLens1mFrom} over the
 * folder's files. Item indices follow `movies.dat` order.
 *
 * @example
 * ```ts
 * const ds = await loadMovieLens1m('data/ml-1m')
 * ```
 * @throws RecForgeError IO_ERROR when `ratings.dat` is missing; PARSE_ERROR naming file and line on malformed rows.
 */
export async function loadMovieLens1m(dir: string, opts: LoadOptions = {}): Promise<Dataset> {
  const ratings = requireFile(dir, 'ratings.dat', 'movielens-1m')
  const movies = optional(dir, 'movies.dat')
  const users = optional(dir, 'users.dat')
  return loadMovieLens1mFrom({ ratings: fileSource(ratings), ...(movies ? { movies } : {}), ...(users ? { users } : {}) }, opts)
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
export async function loadMovieLensLatest(dir: string, opts: LoadOptions = {}): Promise<Dataset> {
  const ratings = requireFile(dir, 'ratings.csv', 'movielens-latest')
  const movies = optional(dir, 'movies.csv')
  const tags = optional(dir, 'tags.csv')
  return loadMovieLensLatestFrom({ ratings: fileSource(ratings), ...(movies ? { movies } : {}), ...(tags ? { tags } : {}) }, opts)
}
