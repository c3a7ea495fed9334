import { availableParallelism } from 'node:os'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_AUTO_THREADS, canShareMemory, hardwareThreads, resolveThreads, threadsAvailable } from '../index'

describe('the thread rule', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('threads: 0 picks one per core, at most 8, from the minimum work up', async () => {
    const cores = availableParallelism()
    expect(await hardwareThreads()).toBe(cores)
    expect(await resolveThreads(0, { work: 50_000, minWork: 50_000 })).toBe(Math.min(MAX_AUTO_THREADS, cores))
    expect(await resolveThreads(0, { work: 49_999, minWork: 50_000 })).toBe(1)
    expect(MAX_AUTO_THREADS).toBe(8)
  })

  it('honours an explicit count, even for small work', async () => {
    expect(await resolveThreads(3, { work: 10, minWork: 50_000 })).toBe(3)
    expect(await resolveThreads(1, { work: 1e9, minWork: 1 })).toBe(1)
  })

  it('gives one thread where SharedArrayBuffer is hidden or the page is not cross-origin isolated', async () => {
    expect(threadsAvailable()).toBe(true)
    vi.stubGlobal('SharedArrayBuffer', undefined)
    expect(canShareMemory()).toBe(false)
    expect(threadsAvailable()).toBe(false)
    expect(await resolveThreads(4, { work: 1e9, minWork: 1 })).toBe(1)
    expect(await resolveThreads(0, { work: 1e9, minWork: 1 })).toBe(1)
    vi.unstubAllGlobals()
    vi.stubGlobal('crossOriginIsolated', false)
    expect(canShareMemory()).toBe(false)
    expect(await resolveThreads(4, { work: 1e9, minWork: 1 })).toBe(1)
    vi.stubGlobal('crossOriginIsolated', true)
    expect(await resolveThreads(4, { work: 1e9, minWork: 1 })).toBe(4)
  })

  it('rejects a count that is not a non-negative integer, naming it', async () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      await expect(resolveThreads(bad, { work: 1, minWork: 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`got ${bad}`) })
    }
  })
})
