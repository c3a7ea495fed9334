import { createRequire } from 'node:module'
import wabtInit from 'wabt'

/** The wabt release that compiles every `.wat` source (its output is part of each generated module). */
export const WABT_VERSION = (createRequire(import.meta.url)('wabt/package.json') as { version: string }).version

let wabt: ReturnType<typeof wabtInit> | undefined

/**
 * Compiles WebAssembly text to a binary module with SIMD, threads (shared memory, atomics) and
 * bulk memory enabled; `filename` only names the source in error messages.
 *
 * @example
 * ```ts
 * const bytes = await compileWat(readFileSync('src/internal/kernels.wat', 'utf8'), 'kernels.wat')
 * ```
 * @throws Error with wabt's message (file, line, column) when the text does not parse, or when the
 *   module it gives does not validate.
 */
export async function compileWat(text: string, filename: string): Promise<Uint8Array<ArrayBuffer>> {
  const w = await (wabt ??= wabtInit())
  const mod = w.parseWat(filename, text, { simd: true, threads: true, bulk_memory: true })
  let bytes: Uint8Array<ArrayBuffer>
  try {
    bytes = new Uint8Array(mod.toBinary({}).buffer)
  } finally {
    mod.destroy()
  }
  // wabt's own validator ignores the feature flags: let this runtime's WebAssembly check the module
  if (!WebAssembly.validate(bytes)) throw new Error(`${filename}: the compiled module does not validate (new WebAssembly.Module would reject it)`)
  return bytes
}
