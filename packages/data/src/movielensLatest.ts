import { IdVocabulary, InteractionsBuilder } from '@recforge/core'
import { cleaning, readRows, readTable, runOptions as run } from './internal/table'
import { SideInfoBuilder, warnMissingSide, yearFromTitle } from './internal/side'
import { toByteSource, type DataInput } from './source'
import type { Dataset, LoadOptions, LoadReport } from './types'

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
