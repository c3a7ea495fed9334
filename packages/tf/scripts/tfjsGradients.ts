import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Plugin } from 'esbuild'

/**
 * An esbuild plugin that bundles tfjs-core's gradient registrations and nothing else of tfjs-core.
 *
 * tfjs-core publishes `register_all_gradients` (and the `gradients/*` files it imports) only as
 * extensionless ESM, which Node cannot load, so they have to be bundled. Bundled plainly, their
 * imports (`../engine`, `../kernel_registry`, `../ops/mul`, ...) pull in a second copy of tfjs-core:
 * another engine and another kernel registry, so the gradients would land in a registry that the
 * user's `@tensorflow/tfjs-core` never reads. Here every import that leaves the gradient files is
 * answered from the public `@tensorflow/tfjs-core` entry (kept external): a name it exports at the
 * top level or in one of its namespaces (`util`, `backend_util`, ...), `ENGINE` as `engine()`.
 * Only modules whose names the public entry lacks (the backprop ops such as `conv2DBackpropInput`,
 * plain functions over `ENGINE.runKernel`) are bundled, their own imports answered the same way.
 * A module that holds tfjs state never gets bundled: the build fails instead.
 */
/** Internal names with a public equivalent under another name. */
const SPECIAL: Record<string, string> = {
  ENGINE: 'tfc.engine()',
  // tensor.js registers its class under the global key 'Tensor'; the public entry's class is the registered one
  getGlobalTensorClass: "() => globalThis._tfGlobals?.get('Tensor') ?? tfc.Tensor",
}

export function tfjsGradientsPlugin(): Plugin {
  const req = createRequire(import.meta.url)
  const dist = path.join(path.dirname(req.resolve('@tensorflow/tfjs-core/package.json')), 'dist')
  // the public entry as Node loads it (the CommonJS bundle): the names users can import
  const pub = req('@tensorflow/tfjs-core') as Record<string, unknown>
  const namespaces = ['util', 'backend_util', 'broadcast_util', 'slice_util', 'tensor_util', 'kernel_impls'].filter((n) => typeof pub[n] === 'object')
  const stateful = new Set(['engine.js', 'tensor.js', 'kernel_registry.js', 'environment.js', 'tape.js', 'backends/backend.js', 'flags.js', 'base_side_effects.js', 'index.js', 'base.js'])
  const sources = new Map<string, string>()
  const source = (file: string) => {
    let s = sources.get(file)
    if (s === undefined) sources.set(file, (s = readFileSync(file, 'utf8')))
    return s
  }
  /** Where `name` lives in the public entry, as an expression over `tfc`, or undefined. */
  const publicName = (name: string): string | undefined => {
    if (name in SPECIAL) return SPECIAL[name]
    if (name in pub) return `tfc.${name}`
    const ns = namespaces.find((n) => name in (pub[n] as object))
    return ns ? `tfc.${ns}.${name}` : undefined
  }
  /** The names `importer` takes from `spec`: named imports, and the members used of a namespace import. */
  const namesFrom = (importer: string, spec: string): string[] | undefined => {
    const text = source(importer)
    const names: string[] = []
    const quoted = spec.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    for (const m of text.matchAll(new RegExp(`import\\s+(?:\\{([^}]*)\\}|\\*\\s+as\\s+(\\w+))\\s+from\\s+['"]${quoted}['"]`, 'g'))) {
      if (m[1] !== undefined) names.push(...m[1].split(',').map((s) => s.trim().split(/\s+as\s+/)[0]!).filter(Boolean))
      else for (const u of text.matchAll(new RegExp(`\\b${m[2]}\\.(\\w+)`, 'g'))) names.push(u[1]!)
    }
    return names.length > 0 ? [...new Set(names)] : undefined
  }
  const shims = new Map<string, string[]>()
  return {
    name: 'recforge-tfjs-gradients',
    setup(build) {
      build.onResolve({ filter: /^@tensorflow\/tfjs-core\/dist\/register_all_gradients(\.js)?$/ }, () => ({ path: path.join(dist, 'register_all_gradients.js') }))
      build.onResolve({ filter: /^\./ }, (args) => {
        if (!args.importer.startsWith(dist + path.sep)) return undefined
        const file = path.resolve(path.dirname(args.importer), args.path.endsWith('.js') ? args.path : `${args.path}.js`)
        const rel = path.relative(dist, file).split(path.sep).join('/')
        if (rel.startsWith('gradients/') || rel === 'register_all_gradients.js') return { path: file }
        const names = namesFrom(args.importer, args.path)
        if (names && names.every((n) => publicName(n) !== undefined)) {
          const id = `${rel}?from=${path.relative(dist, args.importer)}`
          shims.set(id, names)
          return { path: id, namespace: 'tfjs-core-public' }
        }
        if (stateful.has(rel)) {
          return { errors: [{ text: `${path.relative(dist, args.importer)} needs ${names?.join(', ') ?? 'everything'} of tfjs-core's ${rel}, which the public entry does not export; bundling ${rel} would make a second tfjs engine` }] }
        }
        return { path: file }
      })
      build.onLoad({ filter: /.*/, namespace: 'tfjs-core-public' }, (args) => {
        const lines = shims.get(args.path)!.map((n) => `export const ${n} = ${publicName(n)};`)
        return { contents: `import * as tfc from '@tensorflow/tfjs-core';\n${lines.join('\n')}\n`, loader: 'js', resolveDir: dist }
      })
    },
  }
}
