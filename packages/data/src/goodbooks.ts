import { existsSync } from 'node:fs'
import path from 'node:path'
import { RecForgeError } from '@recforge/core'
import { fileSource } from './files'
import { loadGoodbooksFrom } from './goodbooksFiles'
import type { Dataset, LoadOptions } from './types'

/**
 * Loads Goodbooks-10k from a folder: `books.csv` (titles, authors, years, cover images) gives the
 * item vocabulary in file order; `ratings.csv` (`user_id,book_id,rating` or the older
 * `book_id,user_id,rating`, matched by header) gives the interactions; `book_tags.csv` with
 * `tags.csv` gives tag names per book when both are present. Without `ratings.csv` the folder loads
 * only with `itemsOnly: true` (interactions then have no users).
 *
 * @example
 * ```ts
 * const ds = await loadGoodbooks('/data/goodbooks-10k', { itemsOnly: true })
 * ds.itemInfo?.fields?.authors?.[0] // "Suzanne Collins"
 * ```
 * @throws RecForgeError IO_ERROR when `books.csv` is missing, or `ratings.csv` is missing without `itemsOnly`; PARSE_ERROR on malformed rows.
 */
export async function loadGoodbooks(dir: string, opts: LoadOptions = {}): Promise<Dataset> {
  const booksFile = path.join(dir, 'books.csv')
  const ratingsFile = path.join(dir, 'ratings.csv')
  const hasRatings = existsSync(ratingsFile)
  if (!hasRatings && !opts.itemsOnly) {
    throw new RecForgeError(
      'IO_ERROR',
      `goodbooks-10k: ${ratingsFile} does not exist; interactions need the dataset's ratings.csv (user_id,book_id,rating). To read only the book metadata (books.csv, tags), pass itemsOnly: true`,
    )
  }
  if (!existsSync(booksFile)) throw new RecForgeError('IO_ERROR', `goodbooks-10k: ${booksFile} does not exist; expected books.csv in ${dir}`)
  const optional = (name: string) => {
    const f = path.join(dir, name)
    return existsSync(f) ? fileSource(f) : undefined
  }
  const bookTags = optional('book_tags.csv')
  const tags = optional('tags.csv')
  return loadGoodbooksFrom({ books: fileSource(booksFile), ...(hasRatings ? { ratings: fileSource(ratingsFile) } : {}), ...(bookTags ? { bookTags } : {}), ...(tags ? { tags } : {}) }, opts)
}
