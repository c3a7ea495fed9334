import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { describeEncoder } from '@recforge/core/testing'
import { loadTransformersImageEncoder, loadTransformersTextEncoder, type TransformersTextEncoder } from '../transformers/index'

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures')
const images = ['red.png', 'stripes.png', 'gradient.png'].map((f) => path.join(fixtures, 'images', f))
const texts = ['Toy Story (1995). Genres: Adventure, Animation.', 'Heat. Genres: Action, Crime, Thriller. Tags: heist.', 'a love story in the city', 'robots in space']
const longText = Array.from({ length: 400 }, (_, i) => ['heist', 'crime', 'love', 'robot', 'jungle'][i % 5]).join(' ')

let textEnc: Promise<TransformersTextEncoder> | undefined
const text = () => (textEnc ??= loadTransformersTextEncoder({ model: 'tiny-bert', localModelPath: fixtures }))

describeEncoder('transformers.js text encoder (tiny fixture BERT)', { create: text, inputs: texts, longInput: longText })
describeEncoder('transformers.js image encoder (tiny fixture CLIP vision)', {
  create: () => loadTransformersImageEncoder({ model: 'tiny-clip-vision', localModelPath: fixtures }),
  inputs: images,
})

describe('transformers.js encoders', () => {
  it('mean-pools over real tokens only and L2-normalises', async () => {
    const enc = await text()
    expect(enc.dimensions).toBe(32)
    const v = await enc.encode(['heist crime thriller'])
    let n = 0
    for (const x of v) n += x * x
    expect(n).toBeCloseTo(1, 5)
    // Padding inside a batch with a much longer text must not change the vector.
    const batch = await enc.encode(['heist crime thriller', longText])
    for (let j = 0; j < 32; j++) expect(batch[j]).toBeCloseTo(v[j]!, 5)
  })

  it('truncates to the model context (16 tokens): texts that agree on their first words encode the same', async () => {
    const enc = await text()
    const words = longText.split(' ')
    const [a, b, c] = [await enc.encode([longText]), await enc.encode([words.slice(0, 40).join(' ')]), await enc.encode([words.slice(0, 10).join(' ')])]
    for (let j = 0; j < 32; j++) expect(a[j]).toBeCloseTo(b[j]!, 5)
    let diff = 0
    for (let j = 0; j < 32; j++) diff += Math.abs(a[j]! - c[j]!)
    expect(diff).toBeGreaterThan(1e-4)
  })

  it('names the local model folder in its id and applies CLS pooling and prefixes', async () => {
    const cls = await loadTransformersTextEncoder({ model: 'tiny-bert', localModelPath: fixtures, pooling: 'cls', prefix: 'passage: ' })
    expect(cls.modelId).toContain(path.join(fixtures, 'tiny-bert'))
    expect(cls.modelId).not.toBe((await text()).modelId)
    const a = await cls.encode(['heist'])
    const b = await (await text()).encode(['heist'])
    expect(Array.from(a)).not.toEqual(Array.from(b))
    await cls.dispose()
    await expect(cls.encode(['x'])).rejects.toMatchObject({ code: 'NOT_FITTED' })
  })

  it('keeps its parameters in config apart from where the model came from, and rejects bad ones naming them', async () => {
    expect((await text()).config).toEqual({ model: 'tiny-bert', pooling: 'mean', prefix: '', dtype: 'fp32', batchSize: 32, normalize: true })
    await expect(loadTransformersTextEncoder({ model: 'tiny-bert', localModelPath: fixtures, pooling: 'max' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/"pooling"/) })
    await expect(loadTransformersImageEncoder({ localModelPath: fixtures, batchSize: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/"batchSize"/) })
    await expect(loadTransformersTextEncoder({ localModelPath: fixtures, poolng: 'cls' } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/"poolng"/) })
  })

  it('fails with IO_ERROR naming the folder when a model is absent and downloads are off', async () => {
    await expect(loadTransformersTextEncoder({ model: 'no-such-model', localModelPath: fixtures })).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/no-such-model/) })
  })

  it('image encoder uses the projected image_embeds, reads raw pixels, and rejects bad input', async () => {
    const enc = await loadTransformersImageEncoder({ model: 'tiny-clip-vision', localModelPath: fixtures })
    expect(enc.output).toBe('image_embeds')
    expect(enc.dimensions).toBe(16)
    expect(enc.config.batchSize).toBe(16)
    const raw = { data: new Uint8Array(8 * 8 * 3).fill(200), width: 8, height: 8, channels: 3 as const }
    const v = await enc.encode([raw, images[0]!])
    expect(v.length).toBe(32)
    await expect(enc.encode([{ data: new Uint8Array(5), width: 8, height: 8, channels: 3 }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(enc.encode([path.join(fixtures, 'images', 'missing.png')])).rejects.toMatchObject({ code: 'IO_ERROR' })
    await enc.dispose()
  })
})
