import { IdVocabulary, InteractionsBuilder, RecForgeError } from '@recforge/core'
import { cleaning, readRows, readTable } from './internal/table'
import { toByteSource, type DataInput } from './source'
import { SideInfoBuilder } from './internal/side'
import type { Dataset, LoadOptions, LoadReport } from './types'

function col(header: readonly string[] | undefined, name: string, file: string): number {
  const i = header?.indexOf(name) ?? -1
  if (i < 0) throw new RecForgeError('PARSE_ERROR', `${file}: the header has no "${name}" column; expected goodbooks-10k's books.csv header (book_id, goodreads_book_id, authors, original_publication_year, title, ...)`)
  return i
}

/** The files of Goodbooks-10k, each any {@link DataInput}. */
export interface GoodbooksFiles {
  /** `books.csv`: the item vocabulary in file order, titles, authors, years, cover images. */
  books: DataInput
  /** `ratings.csv` (`user_id,book_id,rating`, or `book_id,user_id,rating`, matched by header). Defaults to none: then only with `itemsOnly: true`. */
  ratings?: DataInput
  /** `book_tags.csv` (`goodreads_book_id,tag_id,count`); tags are attached when `tags` is given too. Defaults to none. */
  bookTags?: DataInput
  /** `tags.csv` (`tag_id,tag_name`). Defaults to none. */
  tags?: DataInput
}

/**
 * Loads Goodbooks-10k from its files wherever they are ({@link fetchSource} URLs, `File`s,
 * `Blob`s, bytes): `books.csv` gives the item vocabulary in file order, `ratings.csv` the
 * interactions, `book_tags.csv` with `tags.csv` the tag names per book. `loadGoodbooks(dir)` in
 * `@recforge/data/node` reads a folder.
 *
 * @example
 * ```ts
 * const ds = await loadGoodbooksFrom({ books: fetchSource('/gb/books.csv') }, { itemsOnly: true })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT without ratings unless `itemsOnly`; IO_ERROR when a file cannot be read; PARSE_ERROR on malformed rows.
 */
export async function loadGoodbooksFrom(files: GoodbooksFiles, opts: LoadOptions = {}): Promise<Dataset> {
  const onBadRow = opts.onBadRow ?? 'error'
  const run = { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) }
  const books = toByteSource(files.books, 'books.csv')
  const booksFile = books.name
  const ratings = files.ratings === undefined ? undefined : toByteSource(files.ratings, 'ratings.csv')
  const hasRatings = ratings !== undefined
  if (!hasRatings && !opts.itemsOnly) {
    throw new RecForgeError('INVALID_ARGUMENT', "goodbooks-10k: no ratings given; interactions need the dataset's ratings.csv (user_id,book_id,rating). To read only the book metadata (books.csv, tags), pass itemsOnly: true")
  }
  const users = new IdVocabulary()
  const items = new IdVocabulary()
  const side = new SideInfoBuilder()
  const reports: LoadReport[] = []
  const goodreadsToItem = new Map<string, number>()
  let c: { id: number; gr: number; authors: number; year: number; title: number; original: number; image: number; lang: number } | undefined
  const { report: booksReport } = await readRows(
    { source: books, sep: ',', header: true, quoted: true, encoding: 'utf-8', minFields: 2, shape: 'book_id,goodreads_book_id,...,authors,original_publication_year,original_title,title,...', onBadRow, ...run },
    (f, n, _line, header) => {
      c ??= {
        id: col(header, 'book_id', booksFile),
        gr: header!.indexOf('goodreads_book_id'),
        authors: header!.indexOf('authors'),
        year: header!.indexOf('original_publication_year'),
        title: col(header, 'title', booksFile),
        original: header!.indexOf('original_title'),
        image: header!.indexOf('image_url'),
        lang: header!.indexOf('language_code'),
      }
      if (n <= Math.max(c.id, c.title)) return 'too few fields'
      const id = f[c.id]!
      if (!id) return 'missing id'
      if (items.index(id) !== undefined) return 'duplicate id'
      const i = items.add(id)
      side.setTitle(i, f[c.title] || undefined)
      if (c.gr >= 0 && f[c.gr]) goodreadsToItem.set(f[c.gr]!, i)
      if (c.authors >= 0) side.setField('authors', i, f[c.authors] || undefined)
      if (c.year >= 0) {
        const y = Number(f[c.year])
        side.setField('year', i, f[c.year] && Number.isFinite(y) ? String(Math.trunc(y)) : undefined)
      }
      if (c.original >= 0) side.setField('originalTitle', i, f[c.original] || undefined)
      if (c.lang >= 0) side.setField('language', i, f[c.lang] || undefined)
      if (c.image >= 0) side.setImage(i, f[c.image] || undefined)
    },
  )
  reports.push(booksReport)
  const bookTags = files.bookTags === undefined ? undefined : toByteSource(files.bookTags, 'book_tags.csv')
  const tagsFile = files.tags === undefined ? undefined : toByteSource(files.tags, 'tags.csv')
  if (bookTags && tagsFile) {
    const names = new Map<string, string>()
    const { report: tr } = await readRows({ source: tagsFile, sep: ',', header: true, quoted: true, encoding: 'utf-8', minFields: 2, shape: 'tag_id,tag_name', onBadRow, ...run }, (f) => {
      names.set(f[0]!, f[1]!)
    })
    reports.push(tr)
    let unknown = 0
    const { report: br } = await readRows({ source: bookTags, sep: ',', header: true, quoted: true, encoding: 'utf-8', minFields: 2, shape: 'goodreads_book_id,tag_id,count', onBadRow, ...run }, (f) => {
      const i = goodreadsToItem.get(f[0]!)
      const name = names.get(f[1]!)
      if (i === undefined || name === undefined) {
        unknown++
        return
      }
      side.addTag(i, name)
    })
    if (unknown) br.warnings.push(`${unknown} rows name a book or tag id that books.csv / tags.csv do not have`)
    reports.push(br)
  } else if (tagsFile && !bookTags) {
    booksReport.warnings.push('tags.csv is present but book_tags.csv is not, so no tags are attached to books')
  }
  const b = new InteractionsBuilder({ timestamps: false, users, items, capacity: hasRatings ? 6_000_000 : 16 })
  if (ratings) {
    reports.push(
      await readTable({ source: ratings, sep: ',', header: true, quoted: true, encoding: 'utf-8', user: 'user_id', item: 'book_id', rating: 'rating', requireRating: true, onBadRow, ...run, ...cleaning(opts, { min: 1, max: 5 }) }, b),
    )
  }
  return { name: 'goodbooks-10k', interactions: b.build(), itemInfo: side.build(items.size), reports }
}
