import { defineConfig, type Options } from 'tsup'

/**
 * The one tsup setup every package shares: ESM + CJS + d.ts + sourcemaps, Node 20 target.
 * Each package's `tsup.config.ts` calls this with its entry points.
 */
export function recforgeTsup(entry: Record<string, string> | string[] = ['src/index.ts'], extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
    treeshake: true,
    ...extra,
  })
}
