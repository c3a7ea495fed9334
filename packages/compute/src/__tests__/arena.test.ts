import { afterEach, describe, expect, it, vi } from 'vitest'
import { REGION_ALIGN, WASM_MAX_BYTES, WASM_PAGE_BYTES, arenaLayout, arrayArena, ownedCopy, toShared, wasmArena } from '../index'

describe('arena', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('lays out regions in key order, each on a 16-byte boundary', () => {
    expect(arenaLayout({ a: [Int32Array, 3], b: [Float64Array, 2], c: [Uint8Array, 5], d: [Float32Array, 1] })).toEqual({ offsets: [0, 16, 32, 48], byteLength: 52 })
    const arena = wasmArena({ indptr: [Int32Array, 7], values: [Float32Array, 5], factors: [Float64Array, 9], scratch: [Float32Array, 4] }, { shared: true })!
    expect(arena.shared).toBe(true)
    expect(arena.memory!.buffer).toBeInstanceOf(SharedArrayBuffer)
    const { indptr, values, factors, scratch } = arena.views
    expect([indptr.length, values.length, factors.length, scratch.length]).toEqual([7, 5, 9, 4])
    expect([indptr.byteOffset, values.byteOffset, factors.byteOffset, scratch.byteOffset]).toEqual([0, 32, 64, 144])
    for (const v of [indptr, values, factors, scratch]) {
      expect(v.byteOffset % REGION_ALIGN).toBe(0)
      expect(v.buffer).toBe(arena.memory!.buffer)
    }
    expect(arena.byteLength).toBe(160)
    expect(arena.memory!.buffer.byteLength).toBe(WASM_PAGE_BYTES)
    expect(factors).toBeInstanceOf(Float64Array)
  })

  it('refuses arenas over the 4 GiB limit of WebAssembly memory, and shared ones without shared memory', () => {
    // 2^30 floats are 4 GiB, one page over the limit: refused before anything is allocated
    expect(wasmArena({ big: [Float32Array, 2 ** 30] })).toBeUndefined()
    expect(WASM_MAX_BYTES).toBe(4 * 1024 ** 3 - 65_536)
    vi.stubGlobal('SharedArrayBuffer', undefined)
    expect(wasmArena({ a: [Int32Array, 4] }, { shared: true })).toBeUndefined()
    const plain = wasmArena({ a: [Int32Array, 4] })!
    expect(plain.shared).toBe(false)
    expect(() => wasmArena({ a: [Int32Array, 4] }, { shared: true, growable: true })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })

  it('grows its last region, keeping every region, up to the limit', () => {
    const arena = wasmArena({ head: [Int32Array, 3], rows: [Float32Array, 4] }, { growable: true })!
    arena.views.head.set([1, 2, 3])
    arena.views.rows.set([0.5, 1.5, 2.5, 3.5])
    const before = arena.views
    arena.grow(40_000)
    expect(arena.views === before).toBe(false)
    expect(Array.from(arena.views.head)).toEqual([1, 2, 3])
    expect(Array.from(arena.views.rows.subarray(0, 4))).toEqual([0.5, 1.5, 2.5, 3.5])
    expect(arena.views.rows.length).toBe(40_000)
    expect(arena.views.rows.byteOffset).toBe(16)
    expect(arena.memory!.buffer.byteLength).toBe(3 * WASM_PAGE_BYTES)
    expect(() => arena.grow(2 ** 30)).toThrow(expect.objectContaining({ code: 'BACKEND_UNAVAILABLE', message: expect.stringContaining('4 GiB') }))
    expect(() => arena.grow(10)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => wasmArena({ a: [Int32Array, 1] })!.grow(2)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('growable') }))
  })

  it('arrayArena gives the same regions as separate arrays, shared or not, and grows by copying', () => {
    const shared = arrayArena({ a: [Int32Array, 3], b: [Float64Array, 2] }, { shared: true })
    expect(shared.memory).toBeUndefined()
    expect(shared.views.a.buffer).toBeInstanceOf(SharedArrayBuffer)
    expect(shared.views.b.buffer).not.toBe(shared.views.a.buffer)
    expect(shared.byteLength).toBe(28)
    const grow = arrayArena({ a: [Float32Array, 2] }, { growable: true })
    grow.views.a.set([1, 2])
    grow.grow(5)
    expect(Array.from(grow.views.a)).toEqual([1, 2, 0, 0, 0])
    expect(grow.views.a.buffer).toBeInstanceOf(ArrayBuffer)
  })

  it('ownedCopy copies out of arenas and shared memory, and keeps arrays that own their buffer', () => {
    const arena = wasmArena({ a: [Float32Array, 4] }, { shared: true })!
    arena.views.a.set([1, 2, 3, 4])
    const own = ownedCopy(arena.views.a)
    expect(own.buffer).toBeInstanceOf(ArrayBuffer)
    expect(Array.from(own)).toEqual([1, 2, 3, 4])
    const plainWasm = wasmArena({ a: [Float32Array, 65_536 / 4] })!
    expect(ownedCopy(plainWasm.views.a)).not.toBe(plainWasm.views.a)
    const plain = new Float32Array([5, 6])
    expect(ownedCopy(plain)).toBe(plain)
    expect(ownedCopy(plain.subarray(1))).not.toBe(plain)
    expect(ownedCopy(toShared(plain)).buffer).toBeInstanceOf(ArrayBuffer)
  })
})
