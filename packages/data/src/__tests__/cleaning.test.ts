import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nnz, userRow } from '@recforge/core'
import { forEachLine } from '../files'
import { loadDataset, loadDelimited, loadJsonl } from '../index'
import { rejection, tmpDir, writeFiles } from './helpers'

const dir = tmpDir('recforge-cleaning-')

afterEach(() => vi.restoreAllMocks())

describe('a line longer than many read chunks', () => {
  it('is copied a bounded number of times (time linear in its length)', async () => {
    const line = 'x'.repeat(256 * 1024)
    writeFiles(dir, { 'long.txt': `a\n${line}\nb\n` })
    const concat = Buffer.concat.bind(Buffer)
    let copied = 0
    vi.spyOn(Buffer, 'concat').mockImplementation((list: readonly Uint8Array[], total?: number) => {
      const out = concat(list, total)
      copied += out.length
      return out
    })
    const got: number[] = []
    await forEachLine(path.join(dir, 'long.txt'), (l) => got.push(l.length), { chunkSize: 1024 })
    expect(got).toEqual([1, line.length, 1])
    // joining the 256 chunks once copies the line once; joining them one by one copied ~32 MB
    expect(copied).toBeLessThanOrEqual(2 * line.length)
  })
})

describe('bad rows', () => {
  it('tell how to skip them from code and from the command line', async () => {
    writeFiles(dir, { 'bad.csv': 'user,item,rating\n1,10,4\n2,10,high\n' })
    const e = await rejection(loadDelimited(path.join(dir, 'bad.csv')), 'PARSE_ERROR')
    expect(e.message).toMatch(/onBadRow: 'skip'/)
    expect(e.message).toMatch(/--on-bad-row skip/)
  })
})

describe('what the loaders clean, counted in the report', () => {
  const rows = ['user,item,rating']
  // 500 rows repeating (u1, i1), each rated 3; then two users with one row each
  for (let j = 0; j < 501; j++) rows.push('u1,i1,3')
  rows.push('u2,i2,5', 'u3,i3,1')
  writeFiles(dir, { 'dups.csv': rows.join('\n') + '\n' })

  it('counts repeated (user, item) pairs it keeps, and merges them on request', async () => {
    const kept = await loadDataset(`csv:${path.join(dir, 'dups.csv')}`)
    expect(nnz(kept.interactions)).toBe(503)
    expect(kept.reports[0]!.warnings).toContain("500 rows repeat the (user, item) pair of an earlier row and were all kept (pass duplicates: 'latest' | 'first' | 'mean', or --duplicates, to merge them)")
    const merged = await loadDataset(`csv:${path.join(dir, 'dups.csv')}`, { duplicates: 'latest' })
    expect(nnz(merged.interactions)).toBe(3)
    expect(merged.reports[0]!.merged).toBe(500)
    expect(merged.reports[0]!.warnings).toEqual([])
    await expect(loadDataset(`csv:${path.join(dir, 'dups.csv')}`, { duplicates: 'sum' as never })).rejects.toThrow(/duplicates must be keep, latest, first or mean/)
  })

  it('counts ids with white space around them, and trims them on request', async () => {
    writeFiles(dir, { 'spaces.csv': 'user,item,rating\n7 ,10,4\n7,10 ,5\n8,11,3\n' })
    const asIs = await loadDelimited(path.join(dir, 'spaces.csv'))
    expect(asIs.interactions.users.ids()).toEqual(['7 ', '7', '8'])
    expect(asIs.reports[0]!.warnings).toContain('2 ids have white space around them and were kept as they are (pass trimIds: true / --trim-ids to remove it)')
    const trimmed = await loadDelimited(path.join(dir, 'spaces.csv'), { trimIds: true })
    expect(trimmed.interactions.users.ids()).toEqual(['7', '8'])
    expect(trimmed.interactions.items.ids()).toEqual(['10', '11'])
    expect(trimmed.reports[0]!.trimmed).toBe(2)
    expect(trimmed.reports[0]!.warnings).toEqual([])
  })

  it('counts rows with more fields than the header', async () => {
    writeFiles(dir, { 'extra.csv': 'user,item,rating\n1,10,4,oops\n2,10,3\n3,11,5,x,y\n' })
    const ds = await loadDelimited(path.join(dir, 'extra.csv'))
    expect(ds.reports[0]!.rowsKept).toBe(3)
    expect(ds.reports[0]!.warnings).toContain('2 rows have more fields than the header; the extra fields were ignored')
  })

  it('reports the value range, drops values outside a rating range, or clamps them', async () => {
    writeFiles(dir, { 'range.csv': 'user,item,rating\n1,10,4\n2,10,-99999\n3,11,5\n4,11,7\n' })
    const file = path.join(dir, 'range.csv')
    const plain = await loadDelimited(file)
    expect(plain.reports[0]!.valueRange).toEqual({ min: -99999, max: 7 })
    expect(nnz(plain.interactions)).toBe(4)
    const dropped = await loadDelimited(file, { ratingRange: { min: 1, max: 5 } })
    expect(nnz(dropped.interactions)).toBe(2)
    expect(dropped.reports[0]).toMatchObject({ rowsRead: 4, rowsKept: 2, skipped: { 'value below 1': 1, 'value above 5': 1 } })
    const clamped = await loadDelimited(file, { ratingRange: { min: 1, max: 5, clamp: true } })
    expect(clamped.reports[0]!.clamped).toBe(2)
    const d = clamped.interactions
    expect(Array.from(d.values.subarray(0, nnz(d)))).toEqual([4, 1, 5, 5])
    await expect(loadDelimited(file, { ratingRange: { min: 5, max: 1 } })).rejects.toThrow(/min <= max/)
  })

  it('applies the same cleaning to JSON Lines', async () => {
    writeFiles(dir, { 'e.jsonl': '{"user":" a","item":"x","rating":9}\n{"user":"b","item":"x","rating":2}\n' })
    const ds = await loadJsonl(path.join(dir, 'e.jsonl'), { trimIds: true, ratingRange: { min: 1, max: 5 } })
    expect(ds.interactions.users.ids()).toEqual(['b'])
    expect(ds.reports[0]).toMatchObject({ rowsRead: 2, rowsKept: 1, trimmed: 1, skipped: { 'value above 5': 1 } })
  })

  it("drops ratings outside MovieLens's documented scale by default", async () => {
    const ml = path.join(dir, 'ml-latest')
    writeFiles(ml, { 'ratings.csv': 'userId,movieId,rating,timestamp\n1,10,4.5,964982703\n1,20,-99999,964982704\n2,10,0.5,964982705\n' })
    const ds = await loadDataset(`movielens-latest:${ml}`)
    expect(nnz(ds.interactions)).toBe(2)
    const r = ds.reports.find((x) => x.interactions)!
    expect(r.skipped).toEqual({ 'value below 0.5': 1 })
    expect(r.valueRange).toEqual({ min: -99999, max: 4.5 })
    expect(Array.from(userRow(ds.interactions, 0).values)).toEqual([4.5])
  })
})
