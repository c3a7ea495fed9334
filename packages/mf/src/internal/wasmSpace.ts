import { WASM_KERNELS_BASE64 } from './wasmKernels'

let compiled: WebAssembly.Module | null | undefined

/** The compiled kernels module (scripts/kernels.wat), or null where WebAssembly SIMD or shared memory is unavailable. */
export function wasmKernelsModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      const bytes = Uint8Array.from(atob(WASM_KERNELS_BASE64), (ch) => ch.charCodeAt(0))
      compiled = typeof SharedArrayBuffer !== 'undefined' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null
    } catch {
      compiled = null
    }
  }
  return compiled
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
  /** Byte offset of the scratch area: `tasks` blocks of 4·k floats. */
  scratch: number
}

const PAGE = 65_536
const MAX_BYTES = 4 * 1024 ** 3 - PAGE

/**
 * Lays out an ALS fit in one shared WebAssembly memory (16-byte aligned regions), or returns
 * undefined when the module is unavailable, `k` is not a multiple of 4, or it needs 4 GiB or more.
 */
export function createAlsWasmSpace(nu: number, ni: number, nnz: number, k: number, tasks: number): AlsWasmSpace | undefined {
  const module = k % 4 === 0 ? wasmKernelsModule() : null
  if (!module) return undefined
  const sizes = [nu + 1, nnz, nnz, ni + 1, nnz, nnz, nu * k, ni * k, k * k, tasks * 4 * k]
  const align = (n: number) => Math.ceil(n / 4) * 16
  const bytes = sizes.reduce((s, n) => s + align(n), 0)
  if (bytes > MAX_BYTES) return undefined
  const pages = Math.max(1, Math.ceil(bytes / PAGE))
  let memory: WebAssembly.Memory
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true })
  } catch {
    return undefined
  }
  const buf = memory.buffer
  let o = 0
  const take = <T extends Int32Array | Float32Array>(C: new (b: ArrayBufferLike, off: number, len: number) => T, len: number): T => {
    const a = new C(buf, o, len)
    o += align(len)
    return a
  }
  const byUser = { indptr: take(Int32Array, nu + 1), indices: take(Int32Array, nnz), values: take(Float32Array, nnz) }
  const byItem = { indptr: take(Int32Array, ni + 1), indices: take(Int32Array, nnz), values: take(Float32Array, nnz) }
  const U = take(Float32Array, nu * k)
  const V = take(Float32Array, ni * k)
  const gram = take(Float32Array, k * k)
  return { module, memory, byUser, byItem, U, V, gram, scratch: o }
}

/** One MF fit's SGD state inside a WebAssembly memory, with the epoch kernel bound to it. */
export interface MfWasmSpace {
  /** Training entries in visiting order (shuffled in place between epochs). */
  order: Int32Array
  rowOf: Int32Array
  items: Int32Array
  ratings: Float32Array
  P: Float64Array
  Q: Float64Array
  bu: Float64Array
  bi: Float64Array
  /** Runs one epoch over `order`; returns the summed squared training error. */
  epoch(k: number, mu: number, lr: number, lrBias: number, reg: number, regBias: number): number
}

/**
 * Lays out an MF fit (entries, train order, factors and biases, 16-byte aligned) in a WebAssembly
 * memory, or returns undefined when the module is unavailable, `k` is odd, or it needs 4 GiB or more.
 */
export function createMfWasmSpace(entries: number, train: number, nu: number, ni: number, k: number): MfWasmSpace | undefined {
  const module = k % 2 === 0 ? wasmKernelsModule() : null
  if (!module) return undefined
  const a4 = (n: number) => Math.ceil(n / 4) * 16
  const a8 = (n: number) => Math.ceil(n / 2) * 16
  const bytes = a4(train) + 3 * a4(entries) + a8(nu * k) + a8(ni * k) + a8(nu) + a8(ni)
  if (bytes > MAX_BYTES) return undefined
  const pages = Math.max(1, Math.ceil(bytes / PAGE))
  let memory: WebAssembly.Memory
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true })
  } catch {
    return undefined
  }
  const buf = memory.buffer
  let o = 0
  const take = <T extends Int32Array | Float32Array | Float64Array>(C: { new (b: ArrayBufferLike, off: number, len: number): T; BYTES_PER_ELEMENT: number }, len: number): T => {
    const a = new C(buf, o, len)
    o += Math.ceil((len * C.BYTES_PER_ELEMENT) / 16) * 16
    return a
  }
  const order = take(Int32Array, train)
  const rowOf = take(Int32Array, entries)
  const items = take(Int32Array, entries)
  const ratings = take(Float32Array, entries)
  const P = take(Float64Array, nu * k)
  const Q = take(Float64Array, ni * k)
  const bu = take(Float64Array, nu)
  const bi = take(Float64Array, ni)
  const fn = new WebAssembly.Instance(module, { env: { memory } }).exports.mf_epoch as (...args: number[]) => number
  return {
    order,
    rowOf,
    items,
    ratings,
    P,
    Q,
    bu,
    bi,
    epoch: (kk, mu, lr, lrBias, reg, regBias) =>
      fn(order.byteOffset, order.length, rowOf.byteOffset, items.byteOffset, ratings.byteOffset, P.byteOffset, Q.byteOffset, bu.byteOffset, bi.byteOffset, kk, mu, lr, lrBias, reg, regBias),
  }
}

/** Factor matrices inside one shared WebAssembly memory, for the BPR step kernels. */
export interface FactorWasmSpace {
  module: WebAssembly.Module
  memory: WebAssembly.Memory
  U: Float32Array
  V: Float32Array
}

/** Allocates `nu × k` and `ni × k` float32 factors in a shared WebAssembly memory, or undefined (k not a multiple of 4, no module, 4 GiB or more). */
export function createFactorWasmSpace(nu: number, ni: number, k: number): FactorWasmSpace | undefined {
  const module = k % 4 === 0 ? wasmKernelsModule() : null
  if (!module) return undefined
  const bytes = (nu + ni) * k * 4
  if (bytes > MAX_BYTES) return undefined
  let memory: WebAssembly.Memory
  try {
    const pages = Math.max(1, Math.ceil(bytes / PAGE))
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true })
  } catch {
    return undefined
  }
  return { module, memory, U: new Float32Array(memory.buffer, 0, nu * k), V: new Float32Array(memory.buffer, nu * k * 4, ni * k) }
}
