import { afterEach, describe, expect, it } from 'vitest'
import { ALS, BPR } from '../index'
import { poolOverrides, startPool, workerSource } from '../internal/parallel'
import { clusterAuc, plantedImplicit } from './helpers'

const im = plantedImplicit({ users: 200 })

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0
  for (let j = 0; j < a.length; j++) m = Math.max(m, Math.abs(a[j]! - b[j]!))
  return m
}

describe('worker threads', () => {
  afterEach(() => {
    delete poolOverrides.source
  })

  it('starts workers from the bundled worker script and runs a kernel', async () => {
    expect(workerSource()).toContain('alsKernel')
    const pool = await startPool(2, 0)
    expect(pool.threads).toBe(2)
    expect(pool.shared).toBe(true)
    await pool.close()
  })

  it('runs a worker script that defines every helper it calls, whatever transpiled the sources (tsx wraps names in __name)', async () => {
    // the script is bundled at build time, not built from function source text: no transpiler helper leaks in
    expect(workerSource()).not.toContain('__name')
    const pool = await startPool(2, 0)
    expect(pool.threads).toBe(2)
    await pool.close()
  })

  for (const solver of ['cg', 'cholesky'] as const) {
    it(`als (${solver}) on 2 threads gives the single-threaded factors within float tolerance`, async () => {
      const one = new ALS({ factors: 8, iterations: 5, solver, threads: 1 })
      const two = new ALS({ factors: 8, iterations: 5, solver, threads: 2 })
      const messages: string[] = []
      await one.fit(im.train)
      await two.fit(im.train, { onProgress: (e) => e.message && messages.push(e.message) })
      expect(messages[0]).toBe('2 threads')
      expect(maxAbsDiff(one.itemVectors().vectors, two.itemVectors().vectors)).toBeLessThan(1e-6)
      for (const u of [0, 50, 199]) expect(maxAbsDiff(one.userVector(u), two.userVector(u))).toBeLessThan(1e-6)
    })
  }

  it('bpr on 2 threads (lock-free SGD) reaches the same ranking quality as the single-threaded path', async () => {
    const one = new BPR({ factors: 8, epochs: 60, threads: 1 })
    const two = new BPR({ factors: 8, epochs: 60, threads: 2 })
    await one.fit(im.train)
    await two.fit(im.train)
    const a1 = clusterAuc(one, im.heldOut, im.clusters, im.train.items.size)
    const a2 = clusterAuc(two, im.heldOut, im.clusters, im.train.items.size)
    expect(a1).toBeGreaterThan(0.9)
    expect(Math.abs(a1 - a2)).toBeLessThan(0.03)
  })

  it('falls back to the single-threaded path when workers cannot start', async () => {
    poolOverrides.source = 'throw new Error("no workers here")'
    const none = await startPool(2, 0)
    expect(none.threads).toBe(1)
    await none.close()
    const messages: string[] = []
    const fallback = new ALS({ factors: 8, iterations: 3, threads: 2 })
    await fallback.fit(im.train, { onProgress: (e) => e.message && messages.push(e.message) })
    expect(messages).toEqual([])
    delete poolOverrides.source
    const ref = new ALS({ factors: 8, iterations: 3, threads: 1 })
    await ref.fit(im.train)
    expect(maxAbsDiff(ref.itemVectors().vectors, fallback.itemVectors().vectors)).toBe(0)
    poolOverrides.source = 'process.exit(3)'
    const bpr = new BPR({ factors: 4, epochs: 3, threads: 2 })
    await bpr.fit(im.train)
    expect(bpr.fitted).toBe(true)
  })
})
