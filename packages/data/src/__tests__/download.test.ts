import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { deflateRawSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crc32, nnz } from '@recforge/core'
import { downloadDataset } from '../download'
import { extractZip, readZipEntries } from '../zip'
import { loadDataset } from '../load'
import { rejection, tmpDir } from './helpers'

/** A minimal zip writer for fixtures: stored or deflated entries, no ZIP64. */
function makeZip(files: Record<string, string | Buffer>, opts: { deflate?: boolean; badCrcFor?: string } = {}): Buffer {
  const locals: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content)
    const body = opts.deflate ? deflateRawSync(data) : data
    const crc = (crc32(data) ^ (opts.badCrcFor === name ? 1 : 0)) >>> 0
    const nameBuf = Buffer.from(name)
    const lh = Buffer.alloc(30)
    lh.writeUInt32LE(0x04034b50, 0)
    lh.writeUInt16LE(20, 4)
    lh.writeUInt16LE(opts.deflate ? 8 : 0, 8)
    lh.writeUInt32LE(crc, 14)
    lh.writeUInt32LE(body.length, 18)
    lh.writeUInt32LE(data.length, 22)
    lh.writeUInt16LE(nameBuf.length, 26)
    locals.push(lh, nameBuf, body)
    const ch = Buffer.alloc(46)
    ch.writeUInt32LE(0x02014b50, 0)
    ch.writeUInt16LE(20, 4)
    ch.writeUInt16LE(20, 6)
    ch.writeUInt16LE(opts.deflate ? 8 : 0, 10)
    ch.writeUInt32LE(crc, 16)
    ch.writeUInt32LE(body.length, 20)
    ch.writeUInt32LE(data.length, 24)
    ch.writeUInt16LE(nameBuf.length, 28)
    ch.writeUInt32LE(offset, 42)
    central.push(ch, nameBuf)
    offset += 30 + nameBuf.length + body.length
  }
  const cd = Buffer.concat(central)
  const eocd = Buffer.alloc(22)
  eocd.writeUInt32LE(0x06054b50, 0)
  eocd.writeUInt16LE(Object.keys(files).length, 8)
  eocd.writeUInt16LE(Object.keys(files).length, 10)
  eocd.writeUInt32LE(cd.length, 12)
  eocd.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, eocd])
}

const udata = Array.from({ length: 200 }, (_, k) => `${1 + (k % 20)}\t${1 + ((k * 7) % 50)}\t${1 + (k % 5)}\t${880000000 + k}`).join('\n') + '\n'
let served: Record<string, Buffer> = {}
let server: Server
let base = ''

beforeAll(async () => {
  served = { '/ml-100k.zip': makeZip({ 'ml-100k/': '', 'ml-100k/u.data': udata, 'ml-100k/README': 'fixture' }, { deflate: true }) }
  server = createServer((req, res) => {
    const body = served[req.url ?? '']
    if (!body) {
      res.statusCode = 404
      res.end('not found')
      return
    }
    res.setHeader('content-length', body.length)
    res.end(body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('downloadDataset', () => {
  it('downloads, verifies, unpacks and caches a zip; later calls use the cache', async () => {
    const cacheDir = tmpDir()
    const events: string[] = []
    const r = await downloadDataset('ml-100k', { cacheDir, baseUrl: base, onProgress: (e) => events.push(e.stage) })
    const sha = createHash('sha256').update(served['/ml-100k.zip']!).digest('hex')
    expect(r).toMatchObject({ dir: path.join(cacheDir, 'ml-100k'), spec: `movielens-100k:${path.join(cacheDir, 'ml-100k')}`, sha256: { 'ml-100k.zip': sha }, fromCache: false })
    expect(readFileSync(path.join(r.dir, 'u.data'), 'utf8')).toBe(udata)
    expect(JSON.parse(readFileSync(path.join(cacheDir, 'ml-100k.sha256.json'), 'utf8'))).toEqual({ 'ml-100k.zip': sha })
    expect(events).toContain('download')
    const ds = await loadDataset(r.spec)
    expect(nnz(ds.interactions)).toBe(200)
    const again = await downloadDataset('ml-100k', { cacheDir, baseUrl: 'http://127.0.0.1:1/' })
    expect(again.fromCache).toBe(true)
  })

  it('fails with CHECKSUM_MISMATCH against a given or a recorded checksum and leaves no folder behind', async () => {
    const cacheDir = tmpDir()
    const e = await rejection(downloadDataset('ml-100k', { cacheDir, baseUrl: base, sha256: { 'ml-100k.zip': 'ab'.repeat(32) } }), 'CHECKSUM_MISMATCH')
    expect(e.message).toContain('expected abab')
    expect(existsSync(path.join(cacheDir, 'ml-100k'))).toBe(false)
    await downloadDataset('ml-100k', { cacheDir, baseUrl: base })
    const original = served['/ml-100k.zip']!
    served['/ml-100k.zip'] = makeZip({ 'ml-100k/u.data': '1\t1\t1\t1\n' })
    try {
      const e2 = await rejection(downloadDataset('ml-100k', { cacheDir, baseUrl: base, force: true }), 'CHECKSUM_MISMATCH')
      expect(e2.message).toContain('recorded at the first download')
      expect(readFileSync(path.join(cacheDir, 'ml-100k', 'u.data'), 'utf8')).toBe(udata)
    } finally {
      served['/ml-100k.zip'] = original
    }
  })

  it('fails with NETWORK_ERROR when the host refuses connections or answers 404', async () => {
    const probe = createServer()
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()))
    const port = (probe.address() as AddressInfo).port
    await new Promise<void>((r) => probe.close(() => r()))
    const cacheDir = tmpDir()
    const e = await rejection(downloadDataset('ml-1m', { cacheDir, baseUrl: `http://127.0.0.1:${port}/` }), 'NETWORK_ERROR')
    expect(e.message).toContain('ECONNREFUSED')
    expect(e.message).toContain('offline')
    const e404 = await rejection(downloadDataset('ml-1m', { cacheDir, baseUrl: base }), 'NETWORK_ERROR')
    expect(e404.message).toContain('HTTP 404')
    await rejection(downloadDataset('ml-7m', { cacheDir }), 'INVALID_ARGUMENT')
  })
})

describe('zip reader', () => {
  it('reads stored and deflated entries and checks CRC-32', async () => {
    const dir = tmpDir()
    for (const deflate of [false, true]) {
      const file = path.join(dir, `a${deflate}.zip`)
      writeFileSync(file, makeZip({ 'x/a.txt': 'hello', 'x/b.bin': Buffer.alloc(100000, 7), 'x/empty': '' }, { deflate }))
      const entries = await readZipEntries(file)
      expect(entries.map((e) => [e.name, e.size, e.method])).toEqual([
        ['x/a.txt', 5, deflate ? 8 : 0],
        ['x/b.bin', 100000, deflate ? 8 : 0],
        ['x/empty', 0, deflate ? 8 : 0],
      ])
      const out = path.join(dir, `out${deflate}`)
      expect(await extractZip(file, out)).toEqual(['x/a.txt', 'x/b.bin', 'x/empty'])
      expect(readFileSync(path.join(out, 'x/b.bin')).equals(Buffer.alloc(100000, 7))).toBe(true)
    }
    const bad = path.join(dir, 'bad.zip')
    writeFileSync(bad, makeZip({ 'a.txt': 'hello' }, { badCrcFor: 'a.txt', deflate: true }))
    await rejection(extractZip(bad, path.join(dir, 'o2')), 'CHECKSUM_MISMATCH')
    const slip = path.join(dir, 'slip.zip')
    writeFileSync(slip, makeZip({ '../evil.txt': 'x' }))
    await rejection(extractZip(slip, path.join(dir, 'o3')), 'PARSE_ERROR')
    writeFileSync(path.join(dir, 'no.zip'), 'plain text')
    await rejection(readZipEntries(path.join(dir, 'no.zip')), 'PARSE_ERROR')
  })
})
