import path from 'node:path'
import { existsSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { nnz, userRow, type ProgressEvent } from '@recforge/core'
import { parquetWriteFile } from 'hyparquet-writer'
import { splitProtocol, loadDataset, loadDelimited, loadGoodbooks, loadJsonl, loadMovieLens100k, loadMovieLens1m, loadParquet } from '../index'
import { rejection, tmpDir, writeFiles } from './helpers'

const dir = tmpDir()
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')
/** The copy of ml-latest-small (with its licence) that ships with the reference app. */
const mlLatestSmall = path.join(repoRoot, 'apps/reference/data/ml-latest-small')
/** Goodbooks-10k book metadata (CC BY-SA 4.0) next to the repository, where the machine has it. */
const goodbooksShared = path.resolve(repoRoot, '../shared/data/goodbooks-10k')
const flags = (on: number[]) => Array.from({ length: 19 }, (_, k) => (on.includes(k) ? '1' : '0')).join('|')

function row(ds: Awaited<ReturnType<typeof loadDataset>>, userId: string) {
  const d = ds.interactions
  const r = userRow(d, d.users.index(userId)!)
  return [...r.items].map((i, k) => [d.items.id(i), r.values[k], r.timestamps?.[k]])
}

describe('MovieLens 100K', () => {
  const ml = path.join(dir, 'ml-100k')
  writeFiles(ml, {
    'u.data': '1\t10\t5\t881250949\n2\t10\t3\t881250950\n1\t20\t4\t881250951\n3\t30\t1\t881250952\n',
    'u.item': Buffer.from(`10|Toy Story (1995)|01-Jan-1995||http://imdb/ts|${flags([3, 4, 5])}\n20|Amélie (2001)|01-Jan-2001||http://imdb/am|${flags([5, 14])}\n30|Heat (1995)|01-Jan-1995||http://imdb/h|${flags([1])}\n40|Unrated (1990)|01-Jan-1990|||${flags([0])}\n`, 'latin1'),
    'u.user': '1|24|M|technician|85711\n2|53|F|other|94043\n3|23|M|writer|32067\n',
    'u1.base': '1\t10\t5\t881250949\n2\t10\t3\t881250950\n1\t20\t4\t881250951\n',
    'u1.test': '3\t30\t1\t881250952\n',
  })

  it('reads ratings, latin-1 titles, genre flags, users and the folds over the same vocabularies', async () => {
    const ds = await loadMovieLens100k(ml)
    expect(ds.name).toBe('movielens-100k')
    expect(nnz(ds.interactions)).toBe(4)
    expect(ds.interactions.items.ids()).toEqual(['10', '20', '30', '40'])
    expect(row(ds, '1')).toEqual([
      ['10', 5, 881250949],
      ['20', 4, 881250951],
    ])
    expect(ds.itemInfo!.titles).toEqual(['Toy Story (1995)', 'Amélie (2001)', 'Heat (1995)', 'Unrated (1990)'])
    expect(ds.itemInfo!.genres![0]).toEqual(['Animation', "Children's", 'Comedy'])
    expect(ds.itemInfo!.fields!.year).toEqual(['1995', '2001', '1995', '1990'])
    expect(ds.userFields!.occupation).toEqual(['technician', 'other', 'writer'])
    expect(ds.folds).toHaveLength(1)
    const f = ds.folds![0]!
    expect(f.train.users).toBe(ds.interactions.users)
    expect(f.test.items).toBe(ds.interactions.items)
    expect([nnz(f.train), nnz(f.test)]).toEqual([3, 1])
    await expect(loadDataset(`movielens-100k:${ml}`).then((d) => d.name)).resolves.toBe('movielens-100k')
  })

  it('names file, line and text for a short row, and counts it with onBadRow skip', async () => {
    const bad = path.join(dir, 'ml-bad')
    writeFiles(bad, { 'u.data': '1\t10\t5\t881250949\n2\t10\n1\t20\tx\t881250951\n' })
    const e = await rejection(loadMovieLens100k(bad), 'PARSE_ERROR')
    expect(e.message).toMatch(/u\.data, line 2: too few fields; expected at least 2 fields separated by "\\t".*found 2|u\.data, line 2/)
    expect(e.location).toMatchObject({ line: 2, text: '2\t10' })
    const ds = await loadMovieLens100k(bad, { onBadRow: 'skip' })
    expect(ds.reports[0]).toMatchObject({ rowsRead: 3, rowsKept: 1, skipped: { 'too few fields': 1, 'bad number': 1 } })
  })
})

describe('MovieLens 1M', () => {
  const ml = path.join(dir, 'ml-1m')
  writeFiles(ml, {
    'ratings.dat': '1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n',
    'movies.dat': Buffer.from('1193::One Flew Over the Cuckoo\'s Nest (1975)::Drama\n661::James and the Giant Peach (1996)::Animation|Children\'s|Musical\n2::"Great Performances" Cats (1998)::Musical\n3::Misérables, Les (1995)::Drama\n', 'latin1'),
    'users.dat': '1::F::1::10::48067\n2::M::56::16::70072\n',
  })
  it('reads the "::" files in latin-1 with quotes kept literally', async () => {
    const ds = await loadMovieLens1m(ml)
    expect(nnz(ds.interactions)).toBe(3)
    expect(ds.interactions.items.size).toBe(4)
    expect(ds.itemInfo!.titles[2]).toBe('"Great Performances" Cats (1998)')
    expect(ds.itemInfo!.titles[3]).toBe('Misérables, Les (1995)')
    expect(ds.itemInfo!.genres![1]).toEqual(['Animation', "Children's", 'Musical'])
    expect(ds.userFields!.gender).toEqual(['F', 'M'])
    expect(row(ds, '2')).toEqual([['1193', 4, 978298413]])
  })
  it('reports a wrong separator with the separator it expected', async () => {
    const bad = path.join(dir, 'ml-1m-bad')
    writeFiles(bad, { 'ratings.dat': '1,1193,5,978300760\n' })
    const e = await rejection(loadDataset(`movielens-1m:${bad}`), 'PARSE_ERROR')
    expect(e.message).toContain('separated by "::"')
    expect(e.message).toContain('is the separator right?')
    await rejection(loadDataset(`movielens-1m:${path.join(dir, 'missing')}`), 'IO_ERROR')
  })
})

describe('MovieLens latest', () => {
  it('loads the real ml-latest-small: 100,836 ratings, 610 users, 9,742 movies, titles, genres, tags', async () => {
    const events: ProgressEvent[] = []
    const ds = await loadDataset(`movielens-latest:${mlLatestSmall}`, { onProgress: (e) => events.push(e) })
    expect(ds.name).toBe('movielens-latest')
    expect(nnz(ds.interactions)).toBe(100_836)
    expect(ds.interactions.users.size).toBe(610)
    expect(ds.interactions.items.size).toBe(9742)
    const toy = ds.interactions.items.index('1')!
    expect(ds.itemInfo!.titles[toy]).toBe('Toy Story (1995)')
    expect(ds.itemInfo!.genres![toy]).toEqual(['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'])
    expect(ds.itemInfo!.tags![toy]).toEqual(['pixar', 'fun'])
    expect(ds.itemInfo!.fields!.year![toy]).toBe('1995')
    const r = ds.reports.find((x) => x.file.endsWith('ratings.csv'))!
    expect(r).toMatchObject({ rowsRead: 100_836, rowsKept: 100_836, skipped: {} })
    // first row of ratings.csv: 1,1,4.0,964982703
    expect(row(ds, '1')[0]).toEqual(['1', 4, 964982703])
    let sum = 0
    for (let k = 0; k < nnz(ds.interactions); k++) sum += ds.interactions.values[k]!
    expect(sum / 100_836).toBeCloseTo(3.5016, 3)
    expect(events.some((e) => e.stage === 'read' && e.total === e.current)).toBe(true)
  })
})

describe('Goodbooks-10k', () => {
  const gb = path.join(dir, 'goodbooks')
  writeFiles(gb, {
    'books.csv': 'book_id,goodreads_book_id,authors,original_publication_year,original_title,title,image_url\n1,2767052,Suzanne Collins,2008.0,The Hunger Games,"The Hunger Games (The Hunger Games, #1)",http://img/1.jpg\n2,3,"J.K. Rowling, Mary GrandPré",1997.0,,Harry Potter,http://img/2.jpg\n',
    'ratings.csv': 'user_id,book_id,rating\n1,2,5\n1,1,3\n7,1,4\n',
    'tags.csv': 'tag_id,tag_name\n0,fantasy\n1,young-adult\n',
    'book_tags.csv': 'goodreads_book_id,tag_id,count\n2767052,1,10\n2767052,0,5\n3,0,100\n99,0,1\n',
  })
  it('reads books, ratings and tags', async () => {
    const ds = await loadGoodbooks(gb)
    expect(ds.interactions.items.ids()).toEqual(['1', '2'])
    expect(nnz(ds.interactions)).toBe(3)
    expect(row(ds, '1')).toEqual([
      ['2', 5, undefined],
      ['1', 3, undefined],
    ])
    expect(ds.itemInfo!.titles[0]).toBe('The Hunger Games (The Hunger Games, #1)')
    expect(ds.itemInfo!.fields!.authors![1]).toBe('J.K. Rowling, Mary GrandPré')
    expect(ds.itemInfo!.fields!.year).toEqual(['2008', '1997'])
    expect(ds.itemInfo!.tags).toEqual([['young-adult', 'fantasy'], ['fantasy']])
    expect(ds.itemInfo!.images![1]).toBe('http://img/2.jpg')
  })
  it.skipIf(!existsSync(goodbooksShared))('reads the shared copy (no ratings.csv) only with itemsOnly, and says so otherwise', async () => {
    const e = await rejection(loadDataset(`goodbooks-10k:${goodbooksShared}`), 'IO_ERROR')
    expect(e.message).toContain('ratings.csv does not exist')
    expect(e.message).toContain('itemsOnly: true')
    const ds = await loadDataset(`goodbooks-10k:${goodbooksShared}`, { itemsOnly: true })
    expect(ds.interactions.items.size).toBe(10_000)
    expect(ds.interactions.users.size).toBe(0)
    expect(ds.itemInfo!.titles[0]).toBe('The Hunger Games (The Hunger Games, #1)')
    expect(ds.itemInfo!.fields!.authors![0]).toBe('Suzanne Collins')
  })
})

describe('generic files', () => {
  it('maps columns by header name, with quoting and ISO dates', async () => {
    writeFiles(dir, { 'ev.csv': 'when,who,what,stars\n2020-01-01T00:00:00Z,alice,"book, red",4\n2020-01-02T00:00:00Z,bob,lamp,2\n' })
    const ds = await loadDataset(`csv:${path.join(dir, 'ev.csv')}`, { userCol: 'who', itemCol: 'what', ratingCol: 'stars', timeCol: 'when' })
    expect(ds.name).toBe('csv')
    expect(row(ds, 'alice')).toEqual([['book, red', 4, 1577836800]])
  })
  it('finds default columns, detects a header, sniffs the separator, and reads headerless files by position', async () => {
    writeFiles(dir, { 'r.txt': 'user_id;item_id;rating\nu1;i1;3\nu2;i1;5\n', 'h.tsv': 'u1\ti1\t3\t100\nu1\ti2\t4\t200\n', 'two.csv': 'a,x\nb,y\n' })
    const a = await loadDelimited(path.join(dir, 'r.txt'))
    expect(row(a, 'u2')).toEqual([['i1', 5, undefined]])
    expect(a.interactions.timestamps).toBeUndefined()
    const b = await loadDataset(`csv:${path.join(dir, 'h.tsv')}`)
    expect(row(b, 'u1')).toEqual([
      ['i1', 3, 100],
      ['i2', 4, 200],
    ])
    expect(() => splitProtocol(a, 'temporal-full', { seed: 1 })).toThrow(/needs timestamps/)
    const c = await loadDelimited(path.join(dir, 'two.csv'), { header: false })
    expect(row(c, 'a')).toEqual([['x', 1, undefined]])
  })
  it('turns event types into weights and rejects unknown events', async () => {
    writeFiles(dir, { 'e.csv': 'user,item,event\n1,a,view\n1,b,buy\n2,a,click\n2,c,wishlist\n' })
    const file = path.join(dir, 'e.csv')
    const weights = { view: 1, click: 2, buy: 5 }
    const e = await rejection(loadDelimited(file, { eventCol: 'event', eventWeights: weights }), 'PARSE_ERROR')
    expect(e.message).toContain('line 5: unknown event')
    const ds = await loadDelimited(file, { eventCol: 'event', eventWeights: weights, onBadRow: 'skip' })
    expect(row(ds, '1')).toEqual([
      ['a', 1, undefined],
      ['b', 5, undefined],
    ])
    expect(ds.reports[0]!.skipped).toEqual({ 'unknown event': 1 })
  })
  it('gives PARSE_ERROR for bad numbers, an empty file, a header-only file and non-UTF-8 bytes', async () => {
    writeFiles(dir, {
      'num.csv': 'userId,itemId,rating\n1,2,3\n1,3,three\n',
      'empty.csv': '',
      'hdr.csv': 'userId,itemId,rating\n',
      'bin.csv': Buffer.concat([Buffer.from('userId,itemId,rating\n1,2,3\n'), Buffer.from([0x31, 0x2c, 0xff, 0xfe, 0x2c, 0x33, 0x0a])]),
    })
    const e1 = await rejection(loadDataset(`csv:${path.join(dir, 'num.csv')}`), 'PARSE_ERROR')
    expect(e1.message).toContain('num.csv, line 3: bad number')
    expect(e1.message).toContain('"1,3,three"')
    const e2 = await rejection(loadDataset(`csv:${path.join(dir, 'empty.csv')}`), 'PARSE_ERROR')
    expect(e2.message).toContain('empty')
    await rejection(loadDataset(`csv:${path.join(dir, 'hdr.csv')}`), 'PARSE_ERROR')
    const e4 = await rejection(loadDataset(`csv:${path.join(dir, 'bin.csv')}`), 'PARSE_ERROR')
    expect(e4.message).toContain('line 3')
    await rejection(loadDelimited(path.join(dir, 'num.csv'), { ratingCol: 'stars' }), 'INVALID_ARGUMENT')
  })
  it('reads JSON Lines and names the bad line', async () => {
    writeFiles(dir, { 'a.jsonl': '{"user":"u1","item":7,"rating":4,"ts":10}\n\n{"user":"u2","item":8,"rating":"5","ts":"1970-01-01T00:00:20Z"}\n{"user":"u3",\n' })
    const file = path.join(dir, 'a.jsonl')
    const e = await rejection(loadDataset(`csv:${file}`), 'PARSE_ERROR')
    expect(e.message).toContain('a.jsonl, line 4: bad JSON')
    const ds = await loadJsonl(file, { onBadRow: 'skip' })
    expect(row(ds, 'u2')).toEqual([['8', 5, 20]])
    expect(ds.reports[0]).toMatchObject({ rowsRead: 4, rowsKept: 2, skipped: { 'blank line': 1, 'bad JSON': 1 } })
  })
  it('reads Parquet by row group with column mapping', async () => {
    const file = path.join(dir, 'r.parquet')
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'uid', data: ['a', 'b', 'a', 'c'], type: 'STRING' },
        { name: 'movieId', data: new Int32Array([1, 2, 3, 1]), type: 'INT32' },
        { name: 'rating', data: new Float64Array([4, 3.5, 5, 1]), type: 'DOUBLE' },
        { name: 'timestamp', data: [100n, 200n, 300n, 400n], type: 'INT64' },
      ],
      rowGroupSize: 3,
    })
    const ds = await loadParquet(file, { userCol: 'uid' })
    expect(nnz(ds.interactions)).toBe(4)
    expect(row(ds, 'a')).toEqual([
      ['1', 4, 100],
      ['3', 5, 300],
    ])
    expect((await loadDataset(`csv:${file}`, { userCol: 'uid' })).reports[0]!.rowsKept).toBe(4)
    writeFileSync(path.join(dir, 'fake.parquet'), 'not parquet at all')
    await rejection(loadParquet(path.join(dir, 'fake.parquet')), 'PARSE_ERROR')
  })
  it('rejects unknown specs and stops when aborted', async () => {
    await rejection(loadDataset('movielens-9m:/x'), 'INVALID_ARGUMENT')
    await rejection(loadDataset('synthetic:huge'), 'INVALID_ARGUMENT')
    await rejection(loadDataset(`movielens-latest:${mlLatestSmall}`, { signal: AbortSignal.abort() }), 'ABORTED')
  })
})
