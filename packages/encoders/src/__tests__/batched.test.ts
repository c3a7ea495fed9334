import { describe, expect, it } from 'vitest'
import type { ProgressEvent } from '@recforge/core'
import { BatchedEncoder, requireStrings } from '../internal/batched'

/** Encodes a string as [length, first char code]; `wrong` returns one value too few per batch. */
class Toy extends BatchedEncoder<string, { batchSize: number; normalize: boolean }> {
  batches: string[][] = []
  released = 0
  constructor(batchSize: number, normalize: boolean, private readonly wrong = false) {
    super({ label: 'Toy', modelId: 'toy', dimensions: 2, config: { batchSize, normalize } })
  }
  protected async encodeBatch(batch: readonly string[], start: number): Promise<Float32Array> {
    requireStrings(batch, start, 'Toy')
    this.batches.push([...batch])
    const out = Float32Array.from(batch.flatMap((t) => [t.length, t.charCodeAt(0) || 0]))
    return this.wrong ? out.subarray(1) : out
  }
  protected release(): void {
    this.released++
  }
}

describe('BatchedEncoder', () => {
  it('runs the model batchSize inputs at a time, in order, with a progress event per batch', async () => {
    const enc = new Toy(2, false)
    const events: ProgressEvent[] = []
    const v = await enc.encode(['ab', 'c', 'def', 'gh', 'i'], { onProgress: (e) => events.push(e) })
    expect(enc.batches).toEqual([['ab', 'c'], ['def', 'gh'], ['i']])
    expect(Array.from(v)).toEqual([2, 97, 1, 99, 3, 100, 2, 103, 1, 105])
    expect(events.map((e) => [e.current, e.total])).toEqual([
      [2, 5],
      [4, 5],
      [5, 5],
    ])
    expect((await enc.encode([])).length).toBe(0)
  })

  it('scales rows to unit length when asked', async () => {
    const v = await new Toy(8, true).encode(['abc'])
    expect(v[0]).toBeCloseTo(3 / Math.hypot(3, 97), 6)
    expect(v[1]).toBeCloseTo(97 / Math.hypot(3, 97), 6)
  })

  it('rejects a batch of the wrong size, non-strings by position, an aborted signal, and use after dispose', async () => {
    await expect(new Toy(2, false, true).encode(['a'])).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH', message: expect.stringMatching(/1 values for 1 inputs; expected 2/) })
    await expect(new Toy(2, false).encode(['a', 'b', 'c', 7 as unknown as string])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/input 3 is number/) })
    const ac = new AbortController()
    ac.abort()
    await expect(new Toy(2, false).encode(['a'], { signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' })
    const enc = new Toy(2, false)
    await enc.dispose()
    await enc.dispose()
    expect(enc.released).toBe(1)
    await expect(enc.encode(['a'])).rejects.toMatchObject({ code: 'NOT_FITTED' })
  })
})
