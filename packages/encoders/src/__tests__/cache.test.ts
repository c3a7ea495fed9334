import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Encoder } from '@recforge/core'
import { describeEncoder } from '@recforge/core/testing'
import { CachedEncoder, EmbeddingCache, HashingEncoder, TfIdfEncoder, contentHash, defaultCacheDir } from '../index'

class CountingEncoder implements Encoder<string> {
  readonly inner = new HashingEncoder({ dimensions: 16 })
  readonly dimensions = 16
  modelId = 'counting'
  calls: string[][] = []
  async encode(inputs: readonly string[]): Promise<Float32Array> {
    this.calls.push([...inputs])
    return this.inner.encode(inputs)
  }
  async dispose(): Promise<void> {}
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'recforge-cache-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const corpus = [
  'Toy Story (1995). Genres: Adventure, Animation, Children, Comedy, Fantasy. Tags: pixar, fun.',
  'Heat (1995). Genres: Action, Crime, Thriller. Tags: heist, los angeles.',
  'Jumanji (1995). Genres: Adventure, Children, Fantasy. Tags: board game, jungle.',
  'Notting Hill (1999). Genres: Comedy, Romance.',
]
const long = Array.from({ length: 3000 }, (_, i) => ['heist', 'crime', 'pixar', 'jungle', 'romance'][i % 5]).join(' ')
// cached vectors must behave exactly like the encoder's own: hits (from disk or memory) and misses mixed
describeEncoder('CachedEncoder over TF-IDF (cache on disk)', {
  create: async () => new CachedEncoder(new TfIdfEncoder().fit(corpus), { cache: new EmbeddingCache({ dir }) }),
  inputs: corpus,
  longInput: long,
})
describeEncoder('CachedEncoder over feature hashing (cache in memory)', {
  create: async () => new CachedEncoder(new HashingEncoder({ dimensions: 128 }), { cache: new EmbeddingCache({ dir: false }) }),
  inputs: corpus,
  longInput: long,
})

describe('EmbeddingCache and CachedEncoder', () => {
  it('encodes only what is not cached, keeps input order, and persists across instances', async () => {
    const inner = new CountingEncoder()
    const enc = new CachedEncoder(inner, { cache: new EmbeddingCache({ dir }) })
    const first = await enc.encode(['a b', 'c d', 'a b'])
    expect(inner.calls).toEqual([['a b', 'c d']])
    const again = await enc.encode(['c d', 'e f', 'a b'])
    expect(inner.calls[1]).toEqual(['e f'])
    expect(Array.from(again.subarray(0, 16))).toEqual(Array.from(first.subarray(16, 32)))
    expect(Array.from(again.subarray(32, 48))).toEqual(Array.from(first.subarray(0, 16)))
    // the duplicate 'a b' in the first call is encoded once but counted as a miss
    expect(enc.stats).toEqual({ hits: 2, misses: 4 })

    const inner2 = new CountingEncoder()
    const enc2 = new CachedEncoder(inner2, { cache: new EmbeddingCache({ dir }) })
    const fromDisk = await enc2.encode(['e f', 'a b', 'c d'])
    expect(inner2.calls).toEqual([])
    expect(Array.from(fromDisk)).toEqual(Array.from(await inner.inner.encode(['e f', 'a b', 'c d'])))
  })

  it('keys by model id: another model id re-encodes', async () => {
    const inner = new CountingEncoder()
    inner.modelId = 'counting-v2'
    await new CachedEncoder(inner, { cache: new EmbeddingCache({ dir }) }).encode(['a b'])
    expect(inner.calls).toEqual([['a b']])
  })

  it('rebuilds from a corrupt file instead of trusting it', async () => {
    const cache = new EmbeddingCache({ dir })
    const file = cache.fileFor('corrupt')!
    writeFileSync(file, new Uint8Array(64).fill(7))
    const inner = new CountingEncoder()
    inner.modelId = 'corrupt'
    const v = await new CachedEncoder(inner, { cache }).encode(['x y'])
    expect(inner.calls.length).toBe(1)
    expect(v.length).toBe(16)
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false)
  })

  it('rejects a model id reused with other dimensions, and works in memory with dir: false', async () => {
    const cache = new EmbeddingCache({ dir: false })
    await cache.put('m', 4, ['k'], new Float32Array(4))
    await expect(cache.lookup('m', 8, ['k'], new Float32Array(8))).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' })
    await expect(cache.put('m', 4, ['k', 'l'], new Float32Array(4))).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' })
    expect(cache.fileFor('m')).toBeUndefined()
  })

  it('hashes content to 32 hex digits and honours RECFORGE_CACHE', () => {
    expect(contentHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223')
    const old = process.env.RECFORGE_CACHE
    process.env.RECFORGE_CACHE = '/tmp/x-cache'
    expect(defaultCacheDir()).toBe('/tmp/x-cache')
    if (old === undefined) delete process.env.RECFORGE_CACHE
    else process.env.RECFORGE_CACHE = old
  })
})
