import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nnz } from '@recforge/core'
import * as browserEntry from '../browser'
import { fetchSource, loadDelimitedFrom, loadGoodbooksFrom, loadJsonlFrom, loadMovieLens100kFrom, loadMovieLens1mFrom, loadMovieLensLatestFrom, readLines, toByteSource, type Dataset } from '../browser'
import { loadDelimited, loadGoodbooks, loadMovieLens100k, loadMovieLens1m, loadMovieLensLatest } from '../node'
import { latin1Portable } from '../lines'
import { rejection, tmpDir, writeFiles } from './helpers'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
const mlLatestSmall = path.join(repoRoot, 'apps/reference/data/ml-latest-small')

function stream(text: string, piece: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  let p = 0
  return new ReadableStream({
    pull(c) {
      if (p >= bytes.length) return c.close()
      c.enqueue(bytes.slice(p, p + piece))
      p += piece
    },
  })
}

describe('web sources', () => {
  let server: Server
  let base: string
  beforeAll(async () => {
    // no keep-alive: on a loaded machine a pooled connection can outlive the server's 5 s timeout between tests
    server = createServer((req, res) => {
      res.setHeader('Connection', 'close')
      const name = (req.url ?? '/').slice(1)
      if (['ratings.csv', 'movies.csv', 'tags.csv'].includes(name)) res.writeHead(200, { 'Content-Type': 'text/csv' }).end(readFileSync(path.join(mlLatestSmall, name)))
      else res.writeHead(404).end('no')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise((resolve) => server?.close(resolve)))

  it('the browser entry names no file helper', () => {
    for (const name of ['loadDataset', 'loadMovieLensLatest', 'forEachLine', 'fileSource', 'writeRatingsCsv', 'downloadDataset', 'extractZip']) expect(browserEntry).not.toHaveProperty(name)
  })

  it('ml-latest-small over HTTP (fetchSource) and as Blobs gives the dataset loadMovieLensLatest reads from the folder', async () => {
    const fromDir = await loadMovieLensLatest(mlLatestSmall)
    const overHttp = await loadMovieLensLatestFrom({ ratings: fetchSource(`${base}/ratings.csv`), movies: fetchSource(`${base}/movies.csv`), tags: fetchSource(`${base}/tags.csv`) })
    const blobs = await loadMovieLensLatestFrom({ ratings: new Blob([readFileSync(path.join(mlLatestSmall, 'ratings.csv'))]), movies: new Blob([readFileSync(path.join(mlLatestSmall, 'movies.csv'))]) })
    expect(nnz(overHttp.interactions)).toBe(100_836)
    for (const ds of [overHttp, blobs]) {
      const a = ds.interactions
      const b = fromDir.interactions
      expect(a.users.ids()).toEqual(b.users.ids())
      expect(a.items.ids()).toEqual(b.items.ids())
      expect(a.indptr).toEqual(b.indptr)
      expect(a.indices).toEqual(b.indices)
      expect(a.values).toEqual(b.values)
      expect(a.timestamps).toEqual(b.timestamps)
      expect(ds.itemInfo?.titles).toEqual(fromDir.itemInfo?.titles)
    }
    expect(overHttp.itemInfo?.tags).toEqual(fromDir.itemInfo?.tags)
    expect(overHttp.reports.map((r) => r.file)).toEqual([`${base}/movies.csv`, `${base}/ratings.csv`, `${base}/tags.csv`])
  })

  it('MovieLens 100K and 1M and Goodbooks from Blobs give what the folder loaders give', async () => {
    const flags = (on: number[]) => Array.from({ length: 19 }, (_, k) => (on.includes(k) ? '1' : '0')).join('|')
    const ml100k: Record<string, string | Uint8Array<ArrayBuffer>> = {
      'u.data': '1\t10\t5\t881250949\n2\t10\t3\t881250950\n1\t20\t4\t881250951\n3\t30\t1\t881250952\n',
      'u.item': new Uint8Array(Buffer.from(`10|Toy Story (1995)|01-Jan-1995||http://imdb/ts|${flags([3, 4])}\n20|Am\u00e9lie (2001)|01-Jan-2001|||${flags([5])}\n30|Heat (1995)|01-Jan-1995|||${flags([1])}\n`, 'latin1')),
      'u.user': '1|24|M|technician|85711\n2|53|F|other|94043\n3|23|M|writer|32067\n',
      'u1.base': '1\t10\t5\t881250949\n2\t10\t3\t881250950\n1\t20\t4\t881250951\n',
      'u1.test': '3\t30\t1\t881250952\n',
    }
    const ml1m: Record<string, string | Uint8Array<ArrayBuffer>> = {
      'ratings.dat': '1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n',
      'movies.dat': new Uint8Array(Buffer.from('1193::One Flew (1975)::Drama\n661::James (1996)::Animation|Musical\n3::Mis\u00e9rables, Les (1995)::Drama\n', 'latin1')),
      'users.dat': '1::F::1::10::48067\n2::M::56::16::70072\n',
    }
    const gb: Record<string, string | Uint8Array<ArrayBuffer>> = {
      'books.csv': 'book_id,goodreads_book_id,authors,original_publication_year,original_title,title,image_url\n1,2767052,Suzanne Collins,2008.0,The Hunger Games,"The Hunger Games (The Hunger Games, #1)",http://img/1.jpg\n2,3,J.K. Rowling,1997.0,,Harry Potter,http://img/2.jpg\n',
      'ratings.csv': 'user_id,book_id,rating\n1,2,5\n1,1,3\n7,1,4\n',
      'tags.csv': 'tag_id,tag_name\n0,fantasy\n1,young-adult\n',
      'book_tags.csv': 'goodreads_book_id,tag_id,count\n2767052,1,10\n3,0,100\n',
    }
    const dir = tmpDir()
    writeFiles(path.join(dir, '100k'), ml100k)
    writeFiles(path.join(dir, '1m'), ml1m)
    writeFiles(path.join(dir, 'gb'), gb)
    const blob = (files: Record<string, string | Uint8Array<ArrayBuffer>>, name: string) => new File([files[name]!], name)
    // the same dataset apart from the file names in the reports
    const same = (a: Dataset, b: Dataset) => {
      const strip = (d: Dataset) => ({ ...d, reports: d.reports.map(({ file: _file, ...r }) => r) })
      expect(strip(a)).toEqual(strip(b))
    }
    same(await loadMovieLens100kFrom({ data: blob(ml100k, 'u.data'), item: blob(ml100k, 'u.item'), user: blob(ml100k, 'u.user'), folds: [{ base: blob(ml100k, 'u1.base'), test: blob(ml100k, 'u1.test') }] }), await loadMovieLens100k(path.join(dir, '100k')))
    same(await loadMovieLens1mFrom({ ratings: blob(ml1m, 'ratings.dat'), movies: blob(ml1m, 'movies.dat'), users: blob(ml1m, 'users.dat') }), await loadMovieLens1m(path.join(dir, '1m')))
    const books = await loadGoodbooksFrom({ books: blob(gb, 'books.csv'), ratings: blob(gb, 'ratings.csv'), tags: blob(gb, 'tags.csv'), bookTags: blob(gb, 'book_tags.csv') })
    same(books, await loadGoodbooks(path.join(dir, 'gb')))
    expect(books.itemInfo?.titles).toEqual(['The Hunger Games (The Hunger Games, #1)', 'Harry Potter'])
    expect(books.reports.map((r) => r.file)).toEqual(['books.csv', 'tags.csv', 'book_tags.csv', 'ratings.csv'])
    await rejection(loadGoodbooksFrom({ books: blob(gb, 'books.csv') }), 'INVALID_ARGUMENT')
    expect(nnz((await loadGoodbooksFrom({ books: blob(gb, 'books.csv') }, { itemsOnly: true })).interactions)).toBe(0)
  })

  it('names a failed request and a response read twice', async () => {
    const e = await rejection(loadMovieLensLatestFrom({ ratings: fetchSource(`${base}/missing.csv`) }), "IO_ERROR")
    expect(e.message).toMatch(/missing\.csv: the server answered 404/)
    const res = await fetch(`${base}/ratings.csv`)
    const once = toByteSource(res)
    await readLines(once, () => {})
    expect((await rejection(readLines(once, () => {}), 'IO_ERROR')).message).toMatch(/read already and cannot be read twice/)
  })

  it('reads streams cut anywhere, sniffs the separator of unnamed bytes, and matches the file loader', async () => {
    const text = 'user\titem\trating\n"a"\tx\t4\nb\tx\t2.5\nb\ty\t1\n'
    const dir = tmpDir()
    writeFiles(dir, { 'r.txt': text })
    const fromFile = await loadDelimited(path.join(dir, 'r.txt'))
    for (const piece of [1, 2, 5, 1000]) {
      const ds = await loadDelimitedFrom(stream(text, piece), { sep: '\t' })
      expect(ds.interactions.users.ids()).toEqual(['a', 'b'])
      expect(Array.from(ds.interactions.values)).toEqual(Array.from(fromFile.interactions.values))
    }
    const sniffed = await loadDelimitedFrom(new TextEncoder().encode(text))
    expect(Array.from(sniffed.interactions.indices)).toEqual(Array.from(fromFile.interactions.indices))
    const file = new File([text.replaceAll('\t', ',')], 'picked.csv')
    const picked = await loadDelimitedFrom(file)
    expect(picked.reports[0]!.file).toBe('picked.csv')
    expect(Array.from(picked.interactions.values)).toEqual([4, 2.5, 1])
    const jl = await loadJsonlFrom(stream('{"user":"u","item":"i","rating":3}\n\n{"user":"v","item":"i","rating":5}\n', 7))
    expect(Array.from(jl.interactions.values)).toEqual([3, 5])
  })

  it('decodes latin-1 byte for byte and names the line of invalid UTF-8', async () => {
    const bytes = Uint8Array.from([0x61, 0xe9, 0x0a, 0x80, 0xff, 0x0a])
    const lines: string[] = []
    await readLines(toByteSource(bytes), (l) => lines.push(l), { encoding: 'latin1', chunkSize: 1 })
    expect(lines).toEqual(['a\u00e9', '\u0080\u00ff'])
    // the decoder a browser uses (no Buffer there): every byte value, with and without 0x80..0x9f
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    const noC1 = all.filter((b) => b < 0x80 || b > 0x9f)
    for (const b of [all, noC1, all.subarray(0xa0)]) expect(latin1Portable(b)).toBe(Buffer.from(b).toString('latin1'))
    const e = await rejection(readLines(toByteSource(Uint8Array.from([0x61, 0x0a, 0xff, 0x0a]), 'bad.txt'), () => {}), 'PARSE_ERROR')
    expect(e.location).toMatchObject({ file: 'bad.txt', line: 2 })
  })
})
