import { afterEach, describe, expect, it, vi } from 'vitest'
import { compileWasm, decodeBase64, instantiateWasm, wasmArena } from '../index'
import { sumWasm } from './fixtures/sum.wasm.generated'

describe('WebAssembly loader', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('compiles a module once and runs it on an arena', () => {
    const mod = compileWasm(sumWasm, { sharedMemory: true })
    expect(mod).toBeInstanceOf(WebAssembly.Module)
    expect(compileWasm(sumWasm, { sharedMemory: true })).toBe(mod)
    const arena = wasmArena({ pad: [Uint8Array, 3], xs: [Float32Array, 8] }, { shared: true })!
    arena.views.xs.set([1, 2, 3, 4, 5, 6, 7, 8.5])
    const { sum } = instantiateWasm(mod!, arena.memory!) as { sum: (p: number, n: number) => number }
    expect(sum(arena.views.xs.byteOffset, 8)).toBe(36.5)
    expect(sum(arena.views.xs.byteOffset + 16, 4)).toBe(26.5)
  })

  it('returns null where the module cannot run, so callers fall back to TypeScript', () => {
    expect(compileWasm({ name: 'not wasm', base64: btoa('plain text') })).toBeNull()
    // a module with an instruction no runtime knows: fails validation as a SIMD module does without SIMD
    const bytes = decodeBase64(sumWasm.base64)
    const broken = Uint8Array.from(bytes)
    broken[broken.length - 3] = 0xff
    expect(compileWasm({ name: 'broken', base64: btoa(String.fromCharCode(...broken)) })).toBeNull()
    vi.stubGlobal('SharedArrayBuffer', undefined)
    expect(compileWasm(sumWasm, { sharedMemory: true })).toBeNull()
    vi.unstubAllGlobals()
    vi.stubGlobal('WebAssembly', undefined)
    expect(compileWasm({ name: 'fresh', base64: sumWasm.base64 })).toBeNull()
  })

  it('decodes base64 to the exact bytes', () => {
    expect(Array.from(decodeBase64('AGFzbQEAAAA='))).toEqual([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])
  })
})
