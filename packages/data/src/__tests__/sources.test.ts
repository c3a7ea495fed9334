import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nnz } from '@recforge/core'
import * as browserEntry from '../browser'
import { fetchSource, loadDelimitedFrom, loadJsonlFrom, loadMovieLensLatestFrom, readLines, toByteSource } from '../browser'
import { loadDelimited, loadMovieLensLatest } from '../node'
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
    const e = await rejection(readLines(toByteSource(Uint8Array.from([0x61, 0x0a, 0xff, 0x0a]), 'bad.txt'), () => {}), 'PARSE_ERROR')
    expect(e.location).toMatchObject({ file: 'bad.txt', line: 2 })
  })
})
