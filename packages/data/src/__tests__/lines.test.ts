import path from 'node:path'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { forEachLine } from '../files'
import { splitFields, sniffSeparator, toNumber, toTimestamp } from '../internal/fields'
import { rejection, tmpDir, writeFiles } from './helpers'

const dir = tmpDir()

async function collect(name: string, content: string | Uint8Array, opts: Parameters<typeof forEachLine>[2] = {}): Promise<[string, number][]> {
  writeFiles(dir, { [name]: content })
  const out: [string, number][] = []
  await forEachLine(path.join(dir, name), (l, n) => out.push([l, n]), opts)
  return out
}

describe('forEachLine', () => {
  it('splits LF and CRLF lines, strips the BOM, keeps line numbers across tiny chunks', async () => {
    const text = '\uFEFFa,b\r\nc,d\n\ne,f'
    for (const chunkSize of [1, 2, 3, 7, 1024]) {
      expect(await collect('a.csv', text, { chunkSize })).toEqual([
        ['a,b', 1],
        ['c,d', 2],
        ['', 3],
        ['e,f', 4],
      ])
    }
  })

  it('decodes multi-byte UTF-8 split across chunks', async () => {
    const out = await collect('u.csv', '1,Amélie (2001)\n2,東京物語\n', { chunkSize: 3 })
    expect(out.map((x) => x[0])).toEqual(['1,Amélie (2001)', '2,東京物語'])
  })

  it('joins physical lines inside quoted fields when quoted is set', async () => {
    const out = await collect('q.csv', 'id,text\n1,"two\nlines"\n2,"x ""y"""\n', { quoted: true })
    expect(out).toEqual([
      ['id,text', 1],
      ['1,"two\nlines"', 2],
      ['2,"x ""y"""', 4],
    ])
  })

  it('rejects invalid UTF-8 naming the line, and reads latin-1 when asked', async () => {
    const bytes = Buffer.concat([Buffer.from('ok\nalso ok\n'), Buffer.from([0x41, 0xe9, 0x42, 0x0a])])
    const e = await rejection(collect('bad.txt', bytes), 'PARSE_ERROR')
    expect(e.message).toContain('bad.txt')
    expect(e.message).toContain('line 3')
    expect(e.message).toContain('invalid UTF-8')
    expect((await collect('bad.txt', bytes, { encoding: 'latin1' }))[2]![0]).toBe('AéB')
  })

  it('fails on an unterminated quoted field at the end of the file', async () => {
    const e = await rejection(collect('open.csv', 'a\n"never closed\n', { quoted: true }), 'PARSE_ERROR')
    expect(e.message).toContain('line 2')
  })

  it('reports IO_ERROR for a missing file and ABORTED for a fired signal', async () => {
    await rejection(forEachLine(path.join(dir, 'nope.csv'), () => {}), 'IO_ERROR')
    writeFiles(dir, { 'x.csv': 'a\nb\n' })
    await rejection(forEachLine(path.join(dir, 'x.csv'), () => {}, { signal: AbortSignal.abort() }), 'ABORTED')
  })
})

describe('field splitting', () => {
  const split = (line: string, sep = ',', quoted = true) => {
    const out: string[] = []
    const n = splitFields(line, sep, quoted, out)
    return n < 0 ? null : out.slice(0, n)
  }
  it('follows RFC-4180 quoting', () => {
    expect(split('a,b,c')).toEqual(['a', 'b', 'c'])
    expect(split('1,"Hunger Games, The",x')).toEqual(['1', 'Hunger Games, The', 'x'])
    expect(split('"a ""quoted"" word",2')).toEqual(['a "quoted" word', '2'])
    expect(split('a,,')).toEqual(['a', '', ''])
    expect(split('"a",')).toEqual(['a', ''])
    expect(split('"unterminated,2')).toBeNull()
    expect(split('1::Toy Story (1995)::Animation', '::', false)).toEqual(['1', 'Toy Story (1995)', 'Animation'])
    expect(split('"Cats" (1998)|x', '|', false)).toEqual(['"Cats" (1998)', 'x'])
  })
  it('parses numbers strictly and timestamps as seconds or ISO dates', () => {
    expect(toNumber('4.5')).toBe(4.5)
    expect(toNumber('')).toBeNaN()
    expect(toNumber('four')).toBeNaN()
    expect(toNumber('Infinity')).toBeNaN()
    expect(toTimestamp('964982703')).toBe(964982703)
    expect(toTimestamp('2020-01-01T00:00:00Z')).toBe(1577836800)
    expect(toTimestamp('soon')).toBeNaN()
  })
  it('parses plain decimals exactly as Number() does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.nat({ max: 999999 }), fc.integer({ min: 0, max: 6 }), (i, f, places) => {
        const s = places === 0 ? String(i) : `${i}.${String(f).padStart(6, '0').slice(0, places)}`
        expect(Object.is(toNumber(s), +s)).toBe(true)
      }),
      { numRuns: 2000 },
    )
    for (const s of ['0.1', '-0', '1.', '.5', '1e3', ' 7', '123456789012345.5', '99999999999999999']) expect(Object.is(toNumber(s), +s)).toBe(true)
  })
  it('sniffs separators', () => {
    expect(sniffSeparator('a\tb\tc')).toBe('\t')
    expect(sniffSeparator('1::2::3')).toBe('::')
    expect(sniffSeparator('a;b;c')).toBe(';')
    expect(sniffSeparator('a,b')).toBe(',')
  })
})
