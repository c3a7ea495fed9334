/** Typed arrays on shared memory, for kernels that run on several threads. */

/** The typed arrays the compute layer lays out and shares. */
export type TypedArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array

/** The same kind of typed array as `A`, on any buffer (a copy made by {@link toShared} is on a `SharedArrayBuffer`). */
export type OnAnyBuffer<A extends TypedArray> = A extends Int8Array
  ? Int8Array
  : A extends Uint8Array
    ? Uint8Array
    : A extends Int16Array
      ? Int16Array
      : A extends Uint16Array
        ? Uint16Array
        : A extends Int32Array
          ? Int32Array
          : A extends Uint32Array
            ? Uint32Array
            : A extends Float32Array
              ? Float32Array
              : Float64Array

/** A typed-array constructor of {@link TypedArray}. */
export interface TypedArrayConstructor<A extends TypedArray = TypedArray> {
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): A
  new (length: number): A
  readonly BYTES_PER_ELEMENT: number
}

/** True when `a` is a view of a `SharedArrayBuffer` (a shared `WebAssembly.Memory` included). */
export function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer === 'function' && a.buffer instanceof SharedArrayBuffer
}

/**
 * `a` on shared memory, so worker threads read and write the same elements: `a` itself when it
 * already is shared or when `shared` is false, otherwise a copy on a new `SharedArrayBuffer`.
 *
 * @example
 * ```ts
 * const indptr = toShared(data.indptr.slice(), pool.shared)
 * ```
 */
export function toShared<A extends TypedArray>(a: A, shared = true): OnAnyBuffer<A> {
  if (!shared || isShared(a)) return a as TypedArray as OnAnyBuffer<A>
  const C = a.constructor as TypedArrayConstructor<A>
  const out = new C(new SharedArrayBuffer(a.byteLength))
  out.set(a as never)
  return out as TypedArray as OnAnyBuffer<A>
}

/**
 * A zeroed array of `length` elements, on a `SharedArrayBuffer` when `shared` is true.
 *
 * @example
 * ```ts
 * const out = allocate(Float32Array, rows * k, pool.shared)
 * ```
 */
export function allocate<A extends TypedArray>(C: TypedArrayConstructor<A>, length: number, shared: boolean): A {
  return shared ? new C(new SharedArrayBuffer(length * C.BYTES_PER_ELEMENT)) : new C(length)
}

/**
 * `a` as an array that owns its own plain buffer: `a` itself when it already does, otherwise a
 * copy. Use it for results kept after a fit, so they hold neither shared memory nor a whole
 * WebAssembly arena alive.
 *
 * @example
 * ```ts
 * this.userFactors = ownedCopy(space.U)
 * ```
 */
export function ownedCopy<A extends TypedArray>(a: A): A {
  if (!isShared(a) && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && !isWasmMemoryBuffer(a.buffer)) return a
  return a.slice() as A
}

// buffers of WebAssembly memories seen by the arena, so ownedCopy knows to copy out of them
const wasmBuffers = new WeakSet<ArrayBufferLike>()

/** @internal Records `buffer` as the buffer of a WebAssembly memory. */
export function markWasmBuffer(buffer: ArrayBufferLike): void {
  wasmBuffers.add(buffer)
}

function isWasmMemoryBuffer(buffer: ArrayBufferLike): boolean {
  return wasmBuffers.has(buffer)
}
