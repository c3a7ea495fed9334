import { compileWasm, instantiateWasm, wasmArena } from '@recforge/compute'
import type { Random } from '@recforge/core'
import { kernelsWasm } from './kernels.wasm.generated'

/** The compiled kernels module (kernels.wat), or null where WebAssembly SIMD or shared memory is unavailable. */
export function wasmKernelsModule(): WebAssembly.Module | null {
  return compileWasm(kernelsWasm, { sharedMemory: true })
}

/** A CSR whose arrays are views into the workspace memory. */
export interface WasmCsr {
  indptr: Int32Array
  indices: Int32Array
  values: Float32Array
}

/** Everything one ALS fit touches, inside one shared WebAssembly memory. */
export interface AlsWasmSpace {
  module: WebAssembly.Module
  memory: WebAssembly.Memory
  byUser: WasmCsr
  byItem: WasmCsr
  U: Float32Array
  V: Float32Array
  gram: Float32Array
  /** The float64 Gram matrix that `gram_rows` accumulates (k × k), rounded into {@link gram}. */
  gram64: Float64Array
  /** Byte offset of the scratch area: `tasks` blocks of 4·k floats. */
  scratch: number
}

/**
 * Lays out an ALS fit in one shared WebAssembly memory (compute's arena: 16-byte aligned regions),
 * or returns undefined when the module is unavailable, `k` is not a multiple of 4, or it needs 4 GiB or more.
 */
export function createAlsWasmSpace(nu: number, ni: number, nnz: number, k: number, tasks: number): AlsWasmSpace | undefined {
  const module = k % 4 === 0 ? wasmKernelsModule() : null
  if (!module) return undefined
  const arena = wasmArena(
    {
      uIndptr: [Int32Array, nu + 1],
      uIndices: [Int32Array, nnz],
      uValues: [Float32Array, nnz],
      iIndptr: [Int32Array, ni + 1],
      iIndices: [Int32Array, nnz],
      iValues: [Float32Array, nnz],
      U: [Float32Array, nu * k],
      V: [Float32Array, ni * k],
      gram: [Float32Array, k * k],
      gram64: [Float64Array, k * k],
      scratch: [Float32Array, tasks * 4 * k],
    },
    { shared: true },
  )
  if (!arena) return undefined
  const v = arena.views
  return {
    module,
    memory: arena.memory!,
    byUser: { indptr: v.uIndptr, indices: v.uIndices, values: v.uValues },
    byItem: { indptr: v.iIndptr, indices: v.iIndices, values: v.iValues },
    U: v.U,
    V: v.V,
    gram: v.gram,
    gram64: v.gram64,
    scratch: v.scratch.byteOffset,
  }
}

/** The arrays one SGD epoch of MF reads and updates (the TypeScript loop's and the WebAssembly kernel's). */
export interface MfSgdState {
  /** Training entries in visiting order (shuffled in place between epochs). */
  order: Int32Array
  rowOf: Int32Array
  items: Int32Array
  ratings: Float32Array
  /** User factors (users × k): float32 or float64, as the fit's `precision`. */
  P: Float32Array | Float64Array
  /** Item factors (items × k), of P's type. */
  Q: Float32Array | Float64Array
  bu: Float64Array
  bi: Float64Array
}

/** One MF fit's SGD state inside a WebAssembly memory, with the epoch kernel bound to it. */
export interface MfWasmSpace extends MfSgdState {
  /** Runs one epoch over `order`; returns the summed squared training error. */
  epoch(k: number, mu: number, lr: number, lrBias: number, reg: number, regBias: number): number
  /** `rng.shuffle(order)` in the kernel: the same permutation, and `rng` left in the same state. */
  shuffle(rng: Random): void
}

/**
 * Entries per kernel call within an epoch. An epoch is split into calls so that the engine's
 * optimised code, compiled in the background once the first call has run hot for a while, takes
 * over at the next call rather than at the next epoch (a WebAssembly call keeps the code it started in).
 */
export const MF_EPOCH_CHUNK = 8192

/**
 * Lays out an MF fit (entries, train order, factors and biases, 16-byte aligned) in a WebAssembly
 * memory, or returns undefined when the module is unavailable, `k` does not suit the kernel
 * (`float32`: a multiple of 4, `mf_epoch_f32`; `float64`: even, `mf_epoch`) or it needs 4 GiB or more.
 */
export function createMfWasmSpace(entries: number, train: number, nu: number, ni: number, k: number, precision: 'float32' | 'float64' = 'float64'): MfWasmSpace | undefined {
  const f32 = precision === 'float32'
  const module = k % (f32 ? 4 : 2) === 0 ? wasmKernelsModule() : null
  if (!module) return undefined
  const Factors = f32 ? Float32Array : Float64Array
  const arena = wasmArena(
    {
      order: [Int32Array, train],
      rowOf: [Int32Array, entries],
      items: [Int32Array, entries],
      ratings: [Float32Array, entries],
      P: [Factors, nu * k],
      Q: [Factors, ni * k],
      bu: [Float64Array, nu],
      bi: [Float64Array, ni],
      rng: [Int32Array, 4],
    },
    { shared: true },
  )
  if (!arena) return undefined
  const { order, rowOf, items, ratings, P, Q, bu, bi, rng: words } = arena.views
  const exports = instantiateWasm(module, arena.memory!)
  const fn = exports[f32 ? 'mf_epoch_f32' : 'mf_epoch'] as (...args: number[]) => number
  const shuffle = exports.shuffle_i32 as (a: number, n: number, state: number) => void
  return {
    order,
    rowOf,
    items,
    ratings,
    P,
    Q,
    bu,
    bi,
    epoch: (kk, mu, lr, lrBias, reg, regBias) => {
      let sse = 0
      for (let t = 0; t < order.length; t += MF_EPOCH_CHUNK) {
        const count = Math.min(MF_EPOCH_CHUNK, order.length - t)
        sse += fn(order.byteOffset + 4 * t, count, rowOf.byteOffset, items.byteOffset, ratings.byteOffset, P.byteOffset, Q.byteOffset, bu.byteOffset, bi.byteOffset, kk, mu, lr, lrBias, reg, regBias)
      }
      return sse
    },
    shuffle: (rng) => {
      const state = rng.getState()
      words.set(state.subarray(0, 4))
      shuffle(order.byteOffset, order.length, words.byteOffset)
      rng.setState([words[0]!, words[1]!, words[2]!, words[3]!, state[4]!])
    },
  }
}

/** A BPR fit inside one shared WebAssembly memory: everything `bpr_steps` reads and updates. */
export interface BprWasmSpace {
  module: WebAssembly.Module
  memory: WebAssembly.Memory
  U: Float32Array
  V: Float32Array
  itemBias: Float32Array
  indptr: Int32Array
  indices: Int32Array
  rowOf: Int32Array
  /** Cumulative negative-sampling weights (items long), or empty for uniform sampling. */
  negCdf: Float64Array
  /** Bit `u · items + i` set where user u holds item i (empty when the fit checks negatives by binary search). */
  bitmap: Uint8Array
  /** Byte offset of `tasks` blocks of 16 bytes, one per thread, for the counts `bpr_steps` writes. */
  out: number
}

/**
 * Whether BPR checks its negatives in a users × items bitmap (one memory read) rather than by binary
 * search in the user's row: where the bitmap takes at most twice the bytes of the CSR's column
 * indices (density from 1/64 up) and its bit numbers fit in an int32.
 */
export function bprUsesBitmap(nu: number, ni: number, nnz: number): boolean {
  return nu * ni < 2 ** 31 && nu * ni <= 64 * nnz
}

/** Sets bit `rowOf[e] · items + indices[e]` of `bitmap` for every entry e. */
export function fillBitmap(bitmap: Uint8Array, rowOf: Int32Array, indices: Int32Array, items: number): void {
  for (let e = 0; e < indices.length; e++) {
    const bit = rowOf[e]! * items + indices[e]!
    bitmap[bit >>> 3]! |= 1 << (bit & 7)
  }
}

/**
 * Lays out a BPR fit (`nu × k` and `ni × k` float32 factors, the item bias, the CSR by user, the
 * user of each entry, with `popular` the negative-sampling table and with `bitmap` the membership
 * bitmap) in one shared WebAssembly memory, or returns undefined (k not a multiple of 4, no module, 4 GiB or more).
 */
export function createBprWasmSpace(nu: number, ni: number, nnz: number, k: number, popular: boolean, tasks: number, bitmap = bprUsesBitmap(nu, ni, nnz)): BprWasmSpace | undefined {
  const module = k % 4 === 0 ? wasmKernelsModule() : null
  if (!module) return undefined
  const arena = wasmArena(
    {
      U: [Float32Array, nu * k],
      V: [Float32Array, ni * k],
      itemBias: [Float32Array, ni],
      indptr: [Int32Array, nu + 1],
      indices: [Int32Array, nnz],
      rowOf: [Int32Array, nnz],
      negCdf: [Float64Array, popular ? ni : 0],
      bitmap: [Uint8Array, bitmap ? Math.ceil((nu * ni) / 8) : 0],
      out: [Int32Array, 4 * tasks],
    },
    { shared: true },
  )
  if (!arena) return undefined
  const v = arena.views
  return { module, memory: arena.memory!, U: v.U, V: v.V, itemBias: v.itemBias, indptr: v.indptr, indices: v.indices, rowOf: v.rowOf, negCdf: v.negCdf, bitmap: v.bitmap, out: v.out.byteOffset }
}
