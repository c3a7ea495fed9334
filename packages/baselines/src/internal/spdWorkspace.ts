/*
 * Memory of the dense SPD path of EASE: the panels of the blocked sweep and the arrays of the
 * Woodbury path, laid out by compute's arena in one shared WebAssembly memory when the SIMD
 * kernels run, as separate (optionally shared) typed arrays otherwise.
 */
import { arrayArena, compileWasm, wasmArena } from '@recforge/compute'
import type { DenseArray } from './spdKernels'
import { sweepWasm } from './sweep.wasm.generated'

/** The compiled sweep kernels (sweep.wat), or null where WebAssembly SIMD or shared memory is unavailable. */
export function sweepWasmModule(): WebAssembly.Module | null {
  return compileWasm(sweepWasm, { sharedMemory: true })
}

/** The arrays of the Woodbury path of EASE, optionally inside one shared WebAssembly memory. */
export interface WoodburyWorkspace {
  /** Users of each interaction in item-major order (copy the CSR's indices here). */
  readonly indices: Int32Array
  /** Values aligned with `indices`. */
  readonly values: Float32Array
  /** `-K^-1` in full storage, n x n. */
  readonly S: DenseArray
  /** `S X`, n x m. */
  readonly Z: DenseArray
  /** `-P`, lower triangle of an m x m row-major matrix. */
  readonly A: DenseArray
  /** 16 float64 of scratch per thread, for the WebAssembly kernels. */
  readonly out: Float64Array[]
  readonly memory?: WebAssembly.Memory
  readonly module?: WebAssembly.Module
}

/**
 * Allocates a {@link WoodburyWorkspace} for `n` users, `m` items and `nnz` interactions. With
 * WebAssembly SIMD and everything under 4 GiB, it all sits in one shared WebAssembly memory;
 * otherwise in plain (or, with `shared`, SharedArrayBuffer) typed arrays and the kernels run their
 * JavaScript loops.
 */
export function createWoodburyWorkspace(
  n: number,
  m: number,
  nnz: number,
  opts: { precision?: 'float64' | 'float32'; threads?: number; shared?: boolean; wasm?: boolean } = {},
): WoodburyWorkspace {
  const D = opts.precision === 'float32' ? Float32Array : Float64Array
  const threads = Math.max(1, opts.threads ?? 1)
  const dense = { S: [D, n * n], Z: [D, n * m], A: [D, m * m] } as const
  const module = opts.wasm !== false ? sweepWasmModule() : null
  const arena = module ? wasmArena({ indices: [Int32Array, nnz], values: [Float32Array, nnz], out: [Float64Array, threads * 16], ...dense }, { shared: true }) : undefined
  if (module && arena) {
    const v = arena.views
    const out = Array.from({ length: threads }, (_, t) => v.out.subarray(t * 16, t * 16 + 16))
    return { indices: v.indices, values: v.values, out, S: v.S, Z: v.Z, A: v.A, memory: arena.memory!, module }
  }
  const v = arrayArena({ indices: [Int32Array, nnz], values: [Float32Array, nnz], ...dense }, { shared: opts.shared }).views
  return { indices: v.indices, values: v.values, out: [], S: v.S, Z: v.Z, A: v.A }
}

/** The dense matrix and the panels the sweep works in, optionally inside one WebAssembly memory. */
export interface SweepWorkspace {
  readonly n: number
  readonly block: number
  /** The matrix, row-major n x n; fill its lower triangle before {@link sweepInverse}. */
  readonly A: DenseArray
  /** Pivot columns (n x block, row-major). */
  readonly C: Float64Array
  /** `C S` rows (n x block, row-major), in the precision of `A` when the WebAssembly kernel runs. */
  readonly W: DenseArray
  /** Pivot columns packed four rows at a time ([row / 4][t][row % 4]) for the WebAssembly kernel, in the precision of `A`. */
  readonly Cp?: DenseArray
  /** `C` in the precision of `A` for the WebAssembly kernel (the same array as `C` in float64). */
  readonly Cx?: DenseArray
  /** The transpose of the pivot block's inverse, packed like `Cp` (block x block), for the WebAssembly kernel. */
  readonly Sp?: DenseArray
  readonly memory?: WebAssembly.Memory
  readonly module?: WebAssembly.Module
}

/**
 * Allocates a {@link SweepWorkspace}. With `wasm` (block a multiple of 4, all of it under 4 GiB),
 * everything sits in one shared WebAssembly memory so the SIMD kernel can run on it (f64x2 for
 * float64, f32x4 for float32, where `A`, `W` and `Cp` are float32 and `C` stays float64);
 * otherwise in plain or shared typed arrays.
 */
export function createSweepWorkspace(n: number, opts: { block?: number; precision?: 'float64' | 'float32'; shared?: boolean; wasm?: boolean } = {}): SweepWorkspace {
  const block = Math.max(1, Math.min(opts.block ?? 96, n))
  const f32 = opts.precision === 'float32'
  const D = f32 ? Float32Array : Float64Array
  const panel = n * block
  const packed = Math.ceil(n / 4) * 4 * block
  const module = opts.wasm !== false && block % 4 === 0 ? sweepWasmModule() : null
  const arena = module
    ? wasmArena({ C: [Float64Array, panel], A: [D, n * n], W: [D, panel], Cp: [D, packed], Cx: [D, f32 ? panel : 0], Sp: [D, block * block] }, { shared: true })
    : undefined
  if (module && arena) {
    const { C, A, W, Cp, Cx, Sp } = arena.views
    return { n, block, A, C, W, Cp, Cx: f32 ? Cx : C, Sp, memory: arena.memory!, module }
  }
  const { A, C, W } = arrayArena({ A: [D, n * n], C: [Float64Array, panel], W: [Float64Array, panel] }, { shared: opts.shared }).views
  return { n, block, A, C, W }
}
