import { describe, expect, it } from 'vitest'
import { describeEncoder } from '@recforge/core/testing'
import { USE_LITE_MODEL_ID, loadUniversalSentenceEncoder, type UniversalSentenceEncoder } from '../use/index'

// Loading the 27 MB graph takes seconds: load once for the whole file.
let shared: Promise<UniversalSentenceEncoder> | undefined
const use = () => (shared ??= loadUniversalSentenceEncoder())

const inputs = ['A heist film set in Los Angeles.', 'A robbery movie in LA.', 'The weather is nice today.']
const longInput = 'An epic tale of friendship and betrayal. '.repeat(400)

describeEncoder('Universal Sentence Encoder lite', { create: use, inputs, longInput })

describe('Universal Sentence Encoder lite', () => {
  it('has 512 dimensions and places paraphrases closer than unrelated sentences', async () => {
    const enc = await use()
    expect(enc.dimensions).toBe(512)
    expect(enc.modelId).toBe(USE_LITE_MODEL_ID)
    const v = await enc.encode(inputs)
    const cos = (a: number, b: number) => {
      let s = 0
      for (let j = 0; j < 512; j++) s += v[a * 512 + j]! * v[b * 512 + j]!
      return s
    }
    expect(cos(0, 1)).toBeGreaterThan(0.5)
    expect(cos(0, 2)).toBeLessThan(0.3)
    expect(cos(0, 0)).toBeCloseTo(1, 4)
  })

  it('truncates to maxTokens and gives empty text a zero vector', async () => {
    const enc = await use()
    expect(enc.tokenize(longInput).length).toBe(256)
    const v = await enc.encode(['', 'hello'])
    expect(v.subarray(0, 512).every((x) => x === 0)).toBe(true)
    await expect(enc.encode([7 as unknown as string])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  it('rejects bad options naming them, before loading anything', async () => {
    await expect(loadUniversalSentenceEncoder({ batchSize: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/"batchSize"/) })
    await expect(loadUniversalSentenceEncoder({ backend: 'tpu' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/"backend"/) })
    await expect(loadUniversalSentenceEncoder({ batch: 8 } as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/"batch"/) })
  })

  it('reports a clear IO_ERROR for a model folder without the files', async () => {
    await expect(loadUniversalSentenceEncoder({ modelDir: '/nonexistent/use' })).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/nonexistent/) })
  })
})
