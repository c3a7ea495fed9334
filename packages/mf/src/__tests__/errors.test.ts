import { InteractionsBuilder, RecForgeError, type Interactions } from '@recforge/core'
import { describe, expect, it } from 'vitest'
import { ALS, BPR, MF, SVDpp } from '../index'
import { plantedImplicit } from './helpers'

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(RecForgeError)
    return (e as RecForgeError).code
  }
  throw new Error('expected an error')
}

async function codeAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn()
  } catch (e) {
    expect(e).toBeInstanceOf(RecForgeError)
    return (e as RecForgeError).code
  }
  throw new Error('expected an error')
}

const im = plantedImplicit({ users: 40, items: 20 })

describe('bad input', () => {
  it('rejects out-of-range options with messages naming the option', () => {
    expect(code(() => new ALS({ factors: 0 }))).toBe('INVALID_ARGUMENT')
    expect(() => new ALS({ factors: 2.5 })).toThrow(/parameter "factors" must be an integer/)
    expect(code(() => new ALS({ solver: 'lu' as never }))).toBe('INVALID_ARGUMENT')
    expect(code(() => new MF({ learningRate: 0 }))).toBe('INVALID_ARGUMENT')
    expect(() => new MF({ lrDecay: 1.5 })).toThrow(/lrDecay/)
    expect(code(() => new MF({ validationFraction: 0.95 }))).toBe('INVALID_ARGUMENT')
    expect(code(() => new SVDpp({ biased: false } as never))).toBe('INVALID_ARGUMENT')
    expect(code(() => new BPR({ sampling: 'hard' as never }))).toBe('INVALID_ARGUMENT')
    expect(code(() => new BPR({ l2: -1 }))).toBe('INVALID_ARGUMENT')
  })

  it('rejects non-finite training values and inconsistent CSR', async () => {
    const b = new InteractionsBuilder()
    b.push('u', 'a', 4)
    b.push('u', 'b', Number.NaN)
    const bad = b.build()
    for (const m of [new MF(), new SVDpp(), new ALS(), new BPR()]) expect(await codeAsync(() => m.fit(bad))).toBe('INVALID_ARGUMENT')
    const idx = im.train.indices.slice()
    idx[3] = 999
    const broken: Interactions = { ...im.train, indices: idx }
    expect(await codeAsync(() => new ALS().fit(broken))).toBe('INVALID_ARGUMENT')
    await expect(new BPR().fit(broken)).rejects.toThrow(/entry 3 has item index 999/)
  })

  it('bpr needs at least two items', async () => {
    const b = new InteractionsBuilder()
    b.push('u', 'a')
    b.push('v', 'a')
    await expect(new BPR().fit(b.build())).rejects.toThrow(/at least 2 items/)
  })

  it('rejects bad fold-in, update and neighbour queries', async () => {
    const m = new ALS({ factors: 4, iterations: 2 })
    expect(code(() => m.foldIn(new Int32Array([0])))).toBe('NOT_FITTED')
    await m.fit(im.train)
    expect(code(() => m.foldIn(new Int32Array([0, 99])))).toBe('UNKNOWN_ID')
    expect(() => m.foldIn(new Int32Array([0, 99]))).toThrow(/item index 99 \(position 1\) is outside 0\.\.19/)
    expect(code(() => m.foldIn(new Int32Array([0, 1]), new Float32Array([1])))).toBe('DIMENSION_MISMATCH')
    expect(code(() => m.foldIn(new Int32Array([0]), new Float32Array([Number.POSITIVE_INFINITY])))).toBe('INVALID_ARGUMENT')
    expect(code(() => m.recommendNewUser(new Int32Array([1]), undefined, { k: -1 }))).toBe('INVALID_ARGUMENT')
    expect(code(() => m.partialFitUser(40, new Int32Array([1]), new Float32Array([1])))).toBe('UNKNOWN_ID')
    expect(code(() => m.similarItems(20))).toBe('UNKNOWN_ID')
    expect(code(() => m.similarUsers(-1))).toBe('UNKNOWN_ID')
    expect(code(() => m.userVector(40))).toBe('UNKNOWN_ID')
  })

  it('stops with ABORTED when the signal fires', async () => {
    const ctl = new AbortController()
    ctl.abort()
    for (const m of [new MF(), new SVDpp(), new ALS(), new BPR()]) expect(await codeAsync(() => m.fit(im.train, { signal: ctl.signal }))).toBe('ABORTED')
  })

  it('an empty fold-in history gives a neutral user (no error)', async () => {
    const m = new ALS({ factors: 4, iterations: 2 })
    await m.fit(im.train)
    expect(Array.from(m.foldIn(new Int32Array(0)).vector)).toEqual([0, 0, 0, 0])
    expect(m.recommendNewUser(new Int32Array(0), undefined, { k: 3 }).items.length).toBe(3)
  })
})
