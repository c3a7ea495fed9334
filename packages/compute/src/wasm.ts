import { canShareMemory } from './environment'

/** A WebAssembly module's bytes, generated at build time from a `.wat` source (see `tooling/codegen`). */
export interface WasmSource {
  /** Where it came from (package and `.wat` file), for error messages. */
  readonly name: string
  /** The module, base64-encoded. */
  readonly base64: string
}

/** Options of {@link compileWasm}. */
export interface CompileWasmOptions {
  /** The module imports a shared memory: null where shared memory is unavailable. Defaults to `false`. */
  readonly sharedMemory?: boolean
}

const compiled = new Map<WasmSource, WebAssembly.Module | null>()

/**
 * Compiles a module once from its bytes (later calls return the cached module), or returns null
 * where it cannot run here: no WebAssembly, no SIMD (the bytes fail to validate), or, with
 * `sharedMemory`, no shared memory. Callers then fall back to their TypeScript loops.
 *
 * @example
 * ```ts
 * import { kernelsWasm } from './kernels.wasm.generated'
 * const module = compileWasm(kernelsWasm, { sharedMemory: true }) // null: use the TypeScript kernel
 * ```
 */
export function compileWasm(source: WasmSource, opts: CompileWasmOptions = {}): WebAssembly.Module | null {
  if (opts.sharedMemory && !canShareMemory()) return null
  let mod = compiled.get(source)
  if (mod === undefined) {
    mod = null
    try {
      if (typeof WebAssembly === 'object') {
        const bytes = decodeBase64(source.base64)
        if (WebAssembly.validate(bytes)) mod = new WebAssembly.Module(bytes)
      }
    } catch {
      mod = null
    }
    compiled.set(source, mod)
  }
  return mod
}

/**
 * Instantiates `module` on `memory` (imported as `env.memory`, the convention of every RecForge
 * `.wat` source) and returns its exports. Instantiating a small module costs microseconds, so
 * kernels do it per call, on whichever thread runs them.
 *
 * @example
 * ```ts
 * const { dot } = instantiateWasm(module, arena.memory) as { dot: (a: number, b: number, n: number) => number }
 * ```
 */
export function instantiateWasm(module: WebAssembly.Module, memory: WebAssembly.Memory): WebAssembly.Exports {
  return new WebAssembly.Instance(module, { env: { memory } }).exports
}

/** Decodes base64 text to bytes (`atob` exists in Node 16+ and in browsers). */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text)
  const out = new Uint8Array(bin.length)
  for (let j = 0; j < bin.length; j++) out[j] = bin.charCodeAt(j)
  return out
}
