import { describe, expect, it } from 'vitest'
import { RecForgeError } from '@recforge/core'
import { describeEncoder } from '@recforge/core/testing'
import { HashingEncoder, TfIdfEncoder } from '../index'

const corpus = [
  'Toy Story (1995). Genres: Adventure, Animation, Children, Comedy, Fantasy. Tags: pixar, fun.',
  'Heat (1995). Genres: Action, Crime, Thriller. Tags: heist, los angeles.',
  'Jumanji (1995). Genres: Adventure, Children, Fantasy. Tags: board game, jungle.',
  'The Usual Suspects (1995). Genres: Crime, Mystery, Thriller. Tags: twist ending, heist.',
]
const long = Array.from({ length: 5000 }, (_, i) => `word${i % 97} heist`).join(' ')

describeEncoder('TfIdfEncoder (tfidf)', { create: async () => new TfIdfEncoder().fit(corpus), inputs: corpus, longInput: long })
describeEncoder('TfIdfEncoder (bm25, bigrams)', { create: async () => new TfIdfEncoder({ weighting: 'bm25', maxNgram: 2 }).fit(corpus), inputs: corpus, longInput: long })
describeEncoder('HashingEncoder', { create: async () => new HashingEncoder({ dimensions: 256 }), inputs: corpus, longInput: long })

const dot = (v: Float32Array, d: number, a: number, b: number) => {
  let s = 0
  for (let j = 0; j < d; j++) s += v[a * d + j]! * v[b * d + j]!
  return s
}

describe('TfIdfEncoder', () => {
  it('weights terms by smoothed idf and sublinear tf, matching a hand computation', async () => {
    const enc = new TfIdfEncoder({ normalize: false }).fit(['red apple', 'red car', 'blue car'])
    const v = await enc.encode(['apple apple red'])
    const t = enc.toJSON().terms
    expect(t).toEqual(['apple', 'blue', 'car', 'red'])
    // idf = ln((1+3)/(1+df)) + 1; tf weight = 1 + ln(count)
    expect(v[0]).toBeCloseTo((1 + Math.log(2)) * (Math.log(4 / 2) + 1), 5)
    expect(v[3]).toBeCloseTo(Math.log(4 / 3) + 1, 5)
    expect(v[1]).toBe(0)
  })

  it('uses Okapi BM25 weights when asked', async () => {
    const enc = new TfIdfEncoder({ weighting: 'bm25', normalize: false }).fit(['red apple', 'red car', 'blue car'])
    const v = await enc.encode(['apple apple red'])
    // idf = ln(1 + (N - df + 0.5)/(df + 0.5)); tf part = c(k1+1)/(c + k1(1 - b + b·len/avgLen)), avgLen 2, len 3
    const norm = 1 - 0.75 + (0.75 * 3) / 2
    expect(v[0]).toBeCloseTo(((2 * 2.2) / (2 + 1.2 * norm)) * Math.log(1 + 2.5 / 1.5), 5)
  })

  it('puts texts that share rare terms closer together', async () => {
    const enc = new TfIdfEncoder().fit(corpus)
    const v = await enc.encode(corpus)
    const d = enc.dimensions
    expect(dot(v, d, 1, 3)).toBeGreaterThan(dot(v, d, 1, 0))
    expect(dot(v, d, 0, 2)).toBeGreaterThan(dot(v, d, 0, 1))
  })

  it('keeps maxFeatures terms, survives a JSON round trip, and has an id that follows the vocabulary', async () => {
    const enc = new TfIdfEncoder({ maxFeatures: 5 }).fit(corpus)
    expect(enc.dimensions).toBe(5)
    const again = TfIdfEncoder.fromJSON(JSON.parse(JSON.stringify(enc.toJSON())))
    expect(Array.from(await again.encode(corpus))).toEqual(Array.from(await enc.encode(corpus)))
    expect(again.modelId).toBe(enc.modelId)
    expect(new TfIdfEncoder({ maxFeatures: 5 }).fit(corpus.slice(1)).modelId).not.toBe(enc.modelId)
  })

  it('reads state saved before its options were called config', async () => {
    const enc = new TfIdfEncoder({ weighting: 'bm25', maxFeatures: 5 }).fit(corpus)
    const { config, ...rest } = enc.toJSON()
    const old = TfIdfEncoder.fromJSON({ ...rest, options: config })
    expect(old.config).toEqual(enc.config)
    expect(Array.from(await old.encode(corpus))).toEqual(Array.from(await enc.encode(corpus)))
    expect(() => TfIdfEncoder.fromJSON({ ...rest, config: { ...config, maxNgram: 9 } })).toThrow(/maxNgram/)
  })

  it('rejects encoding before fit, corpora without terms, and bad options', async () => {
    await expect(new TfIdfEncoder().encode(['x'])).rejects.toMatchObject({ code: 'NOT_FITTED' })
    expect(() => new TfIdfEncoder().fit(['', 'a'])).toThrow(RecForgeError)
    expect(() => new TfIdfEncoder({ maxFeatures: 0 })).toThrow(/maxFeatures/)
    expect(() => new TfIdfEncoder({ maxFeature: 5 } as never)).toThrow(/unknown parameter "maxFeature"/)
    expect(() => new TfIdfEncoder({ weighting: 'bm26' as never })).toThrow(/weighting/)
    expect(() => TfIdfEncoder.fromJSON({ terms: [], idf: [] } as never)).toThrow(RecForgeError)
  })
})

describe('HashingEncoder', () => {
  it('needs no fitting, is the same across instances, and changes with the seed', async () => {
    const a = await new HashingEncoder({ dimensions: 64 }).encode(corpus)
    const b = await new HashingEncoder({ dimensions: 64 }).encode(corpus)
    const c = await new HashingEncoder({ dimensions: 64, seed: 3 }).encode(corpus)
    expect(Array.from(a)).toEqual(Array.from(b))
    expect(Array.from(a)).not.toEqual(Array.from(c))
    expect(new HashingEncoder({ dimensions: 64, seed: 3 }).modelId).not.toBe(new HashingEncoder({ dimensions: 64 }).modelId)
  })

  it('gives unit vectors, zero for text without words, and similar vectors for overlapping text', async () => {
    const enc = new HashingEncoder({ dimensions: 512 })
    const v = await enc.encode(['heist crime thriller', 'crime heist drama', 'animated children fantasy', '!!!'])
    expect(dot(v, 512, 0, 0)).toBeCloseTo(1, 5)
    expect(dot(v, 512, 3, 3)).toBe(0)
    expect(dot(v, 512, 0, 1)).toBeGreaterThan(dot(v, 512, 0, 2))
  })

  it('rejects non-string input and bad options', async () => {
    await expect(new HashingEncoder().encode([42 as unknown as string])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(() => new HashingEncoder({ dimensions: 0 })).toThrow(/"dimensions"/)
    expect(() => new HashingEncoder({ seed: 0.5 })).toThrow(/"seed"/)
    expect(new HashingEncoder({ dimensions: 8 }).config).toEqual({ dimensions: 8, maxNgram: 2, seed: 0, signed: true, normalize: true })
  })
})
