import { describe, expect, it } from 'vitest'
import { Random } from '@recforge/core'
import { VectorArena, simdAvailable } from '../internal/arena'
import { dot, squaredL2 as l2sq } from '@recforge/compute'

describe('VectorArena batched SIMD kernels', () => {
  it('dotMany and l2Many write what dot and l2 give row by row, in list order', () => {
    expect(simdAvailable()).toBe(true)
    for (const d of [4, 12, 64]) {
      const arena = new VectorArena(d, 50, 1, true, 9)
      expect(arena.simd).toBeDefined()
      const rng = new Random(d)
      for (let i = 0; i < d; i++) arena.buf[i] = rng.normal()
      for (let r = 0; r < 50; r++) for (let j = 0; j < d; j++) arena.buf[arena.row(r) + j] = rng.normal()
      const rows = [7, 0, 49, 7, 23]
      rows.forEach((r, t) => (arena.ints[arena.listAt + t] = arena.row(r) << 2))
      for (const kind of ['dot', 'l2'] as const) {
        if (kind === 'dot') arena.simd!.dotMany(0, arena.listAt << 2, rows.length, d, arena.outAt << 2)
        else arena.simd!.l2Many(0, arena.listAt << 2, rows.length, d, arena.outAt << 2)
        rows.forEach((r, t) => {
          const want = kind === 'dot' ? dot(arena.buf, 0, arena.buf, arena.row(r), d) : l2sq(arena.buf, 0, arena.buf, arena.row(r), d)
          expect(arena.buf[arena.outAt + t]).toBeCloseTo(want, 4)
          expect(arena.buf[arena.outAt + t]).toBe(kind === 'dot' ? arena.dot(0, arena.row(r)) : arena.l2(0, arena.row(r)))
        })
      }
      // the offset list and results sit between the query slot and row 0
      expect(arena.outAt + 9).toBeLessThanOrEqual(arena.base)
    }
  })

  it('keeps per-row regions in the kernels\' memory, with their contents, as the arena grows', () => {
    for (const simd of [true, false]) {
      const arena = new VectorArena(8, 2, 1, simd, 3, { links: [Int32Array, 5], marks: [Uint8Array, 1] } as const)
      expect(arena.simd !== undefined).toBe(simd)
      expect(arena.extra.links.length).toBe(5 * 3)
      arena.extra.links.set([1, 2, 3], 4)
      arena.extra.marks[2] = 7
      arena.buf[arena.row(1) + 3] = 0.5
      arena.ensure(9)
      expect(arena.capacity).toBe(16)
      expect(arena.extra.links.length).toBe(5 * 17)
      expect(Array.from(arena.extra.links.subarray(4, 7))).toEqual([1, 2, 3])
      expect(arena.extra.marks[2]).toBe(7)
      expect(arena.buf[arena.row(1) + 3]).toBe(0.5)
      if (simd) {
        // one memory: the regions follow the rows, where the kernels address them by byte offset
        expect(arena.extra.links.buffer).toBe(arena.buf.buffer)
        expect(arena.extra.links.byteOffset).toBeGreaterThanOrEqual(arena.row(16) * 4)
        arena.buf[arena.row(15) + 7] = 2
        expect(arena.dot(arena.row(15), arena.row(15))).toBe(4)
      }
    }
  })
})
