import { RecForgeError } from '@recforge/core'
import { canShareMemory } from './environment'
import { markWasmBuffer, type TypedArray, type TypedArrayConstructor } from './shared'

/** Bytes of one WebAssembly page. */
export const WASM_PAGE_BYTES = 65_536
/** The most a 32-bit WebAssembly memory can hold, less one page: larger arenas are refused. */
export const WASM_MAX_BYTES = 4 * 1024 ** 3 - WASM_PAGE_BYTES
/** Every region starts on this many bytes, so `v128.load` never straddles a 16-byte line. */
export const REGION_ALIGN = 16

/** Regions by name, each a typed-array constructor and a length in elements; laid out in key order. */
export type ArenaSpec = Readonly<Record<string, readonly [TypedArrayConstructor, number]>>

/** The views of an {@link ArenaSpec}'s regions. */
export type ArenaViews<S extends ArenaSpec> = { readonly [K in keyof S]: InstanceType<S[K][0]> }

/** Typed-array regions laid out together: in one WebAssembly memory ({@link wasmArena}) or as separate arrays ({@link arrayArena}). */
export interface Arena<S extends ArenaSpec> {
  /** The WebAssembly memory holding every region; undefined for {@link arrayArena}. */
  readonly memory: WebAssembly.Memory | undefined
  /** Whether the regions are on shared memory (visible to worker threads). */
  readonly shared: boolean
  /** Bytes from the start of the first region to the end of the last one. */
  readonly byteLength: number
  /** The regions; replaced (not resized) by {@link Arena.grow}. */
  readonly views: ArenaViews<S>
  /**
   * Resizes the last region to `length` elements, keeping every region's contents (arenas created
   * with `growable`); the views are then new objects over the grown memory.
   *
   * @throws RecForgeError INVALID_ARGUMENT for an arena that is not growable or a smaller length;
   *   BACKEND_UNAVAILABLE when a WebAssembly arena would pass {@link WASM_MAX_BYTES}.
   */
  grow(length: number): void
}

/** Options of {@link wasmArena} and {@link arrayArena}. */
export interface ArenaOptions {
  /** Put the regions on shared memory so worker threads see them. Defaults to `false`. */
  readonly shared?: boolean
  /** Allow {@link Arena.grow} (not with `shared` WebAssembly memory, whose size is fixed here). Defaults to `false`. */
  readonly growable?: boolean
}

/**
 * Byte offsets of each region of `spec` (in key order, each aligned to {@link REGION_ALIGN}) and
 * the total size.
 *
 * @example
 * ```ts
 * arenaLayout({ a: [Int32Array, 3], b: [Float64Array, 2] }) // { offsets: [0, 16], byteLength: 32 }
 * ```
 */
export function arenaLayout(spec: ArenaSpec): { offsets: number[]; byteLength: number } {
  const offsets: number[] = []
  let o = 0
  for (const [C, length] of Object.values(spec)) {
    o = Math.ceil(o / REGION_ALIGN) * REGION_ALIGN
    offsets.push(o)
    o += length * C.BYTES_PER_ELEMENT
  }
  return { offsets, byteLength: o }
}

/**
 * Lays out `spec` in one `WebAssembly.Memory` (16-byte aligned regions), for kernels that address
 * it by byte offset. Returns undefined, so the caller falls back to its TypeScript path, when the
 * arena needs more than {@link WASM_MAX_BYTES}, when `shared` memory is unavailable here, or when
 * the memory cannot be allocated.
 *
 * @example
 * ```ts
 * const arena = wasmArena({ indptr: [Int32Array, rows + 1], factors: [Float32Array, rows * k] }, { shared: pool.shared })
 * arena?.views.factors.set(initial)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for `shared` together with `growable`.
 */
export function wasmArena<const S extends ArenaSpec>(spec: S, opts: ArenaOptions = {}): Arena<S> | undefined {
  const shared = opts.shared ?? false
  const growable = opts.growable ?? false
  if (shared && growable) throw new RecForgeError('INVALID_ARGUMENT', 'a shared WebAssembly arena cannot grow: its memory has a fixed maximum; pass shared or growable, not both')
  const { offsets, byteLength } = arenaLayout(spec)
  if (byteLength > WASM_MAX_BYTES || (shared && !canShareMemory())) return undefined
  const pages = Math.max(1, Math.ceil(byteLength / WASM_PAGE_BYTES))
  let memory: WebAssembly.Memory
  try {
    memory = new WebAssembly.Memory(growable ? { initial: pages } : { initial: pages, maximum: pages, shared })
  } catch {
    return undefined
  }
  const names = Object.keys(spec)
  const lengths = Object.values(spec).map(([, n]) => n)
  const view = () => {
    markWasmBuffer(memory.buffer)
    const v: Record<string, TypedArray> = {}
    names.forEach((name, r) => (v[name] = new spec[name]![0](memory.buffer, offsets[r], lengths[r])))
    return v as ArenaViews<S>
  }
  let views = view()
  let size = byteLength
  return {
    memory,
    shared,
    get byteLength() {
      return size
    },
    get views() {
      return views
    },
    grow(length) {
      const last = checkGrow(names, lengths, growable, length)
      const bytes = offsets[last]! + length * spec[names[last]!]![0].BYTES_PER_ELEMENT
      if (bytes > WASM_MAX_BYTES) {
        throw new RecForgeError('BACKEND_UNAVAILABLE', `the WebAssembly arena would need ${bytes} bytes to hold ${length} elements of "${names[last]}"; WebAssembly memory stops at ${WASM_MAX_BYTES} bytes (4 GiB less a page)`)
      }
      const need = Math.ceil(bytes / WASM_PAGE_BYTES) - memory.buffer.byteLength / WASM_PAGE_BYTES
      if (need > 0) memory.grow(need)
      lengths[last] = length
      size = bytes
      views = view()
    },
  }
}

/**
 * The same regions as {@link wasmArena}, as separate typed arrays (on `SharedArrayBuffer`s with
 * `shared`): the fallback when no WebAssembly kernel runs, with no 4 GiB limit.
 *
 * @example
 * ```ts
 * const arena = wasmArena(spec, { shared }) ?? arrayArena(spec, { shared })
 * ```
 */
export function arrayArena<const S extends ArenaSpec>(spec: S, opts: ArenaOptions = {}): Arena<S> {
  const shared = opts.shared ?? false
  const growable = opts.growable ?? false
  const names = Object.keys(spec)
  const lengths = Object.values(spec).map(([, n]) => n)
  const alloc = (C: TypedArrayConstructor, n: number) => (shared ? new C(new SharedArrayBuffer(n * C.BYTES_PER_ELEMENT)) : new C(n))
  const v: Record<string, TypedArray> = {}
  names.forEach((name, r) => (v[name] = alloc(spec[name]![0], lengths[r]!)))
  let views = v as ArenaViews<S>
  const bytes = () => names.reduce((s, name, r) => s + lengths[r]! * spec[name]![0].BYTES_PER_ELEMENT, 0)
  return {
    memory: undefined,
    shared,
    get byteLength() {
      return bytes()
    },
    get views() {
      return views
    },
    grow(length) {
      const last = checkGrow(names, lengths, growable, length)
      const name = names[last]!
      const grown = alloc(spec[name]![0], length)
      grown.set((views as Record<string, TypedArray>)[name]! as never)
      lengths[last] = length
      views = { ...views, [name]: grown }
    },
  }
}

/** Checks a grow request and returns the index of the last region. */
function checkGrow(names: readonly string[], lengths: readonly number[], growable: boolean, length: number): number {
  const last = names.length - 1
  if (!growable) throw new RecForgeError('INVALID_ARGUMENT', 'this arena was created without growable: true and cannot grow')
  if (last < 0) throw new RecForgeError('INVALID_ARGUMENT', 'an arena with no regions cannot grow')
  if (!Number.isInteger(length) || length < lengths[last]!) {
    throw new RecForgeError('INVALID_ARGUMENT', `region "${names[last]}" can grow from ${lengths[last]} elements, not to ${length}`)
  }
  return last
}
