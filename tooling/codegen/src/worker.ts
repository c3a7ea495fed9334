import { build, version } from 'esbuild'

/** The esbuild release that bundles every worker entry (its output is part of each generated module). */
export const ESBUILD_VERSION = version

/**
 * Bundles a worker entry module and everything it imports (workspace packages from their sources,
 * through the `@recforge/source` export condition) into one classic script: an IIFE with no
 * imports, ready to run with `new Worker(code, { eval: true })` in Node or from a Blob URL in a
 * browser. Whitespace and comments are dropped (names are kept), so the text depends only on
 * the code and is the same on every checkout.
 *
 * @example
 * ```ts
 * const code = await bundleWorker('/repo/packages/mf/src/internal/kernels.worker.ts', '/repo')
 * ```
 * @throws Error with esbuild's messages when an import cannot be resolved or a file does not compile.
 */
export async function bundleWorker(entry: string, root: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['@recforge/source'],
    mainFields: ['module', 'main'],
    // a kernel module may sit beside code that loads Node built-ins lazily; they are never bundled
    external: ['node:*'],
    // no comments or layout: a comment edited in an imported module does not change the script
    minifyWhitespace: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
  })
  const out = result.outputFiles[0]
  if (!out) throw new Error(`esbuild wrote nothing for ${entry}`)
  return out.text
}
