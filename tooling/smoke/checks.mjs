// Checks the smoke test runs in the fresh ESM and CommonJS projects, next to the README examples:
// the installed packages hold one copy of every runtime class.

/**
 * Each check as an ESM and a CommonJS program. `known` names a check that fails today for a
 * reason on file: the smoke test then expects it to fail, so the entry must go once it is fixed.
 */
export const CHECKS = {
  'one-error-class': {
    what: 'one RecForgeError across the entries of @recforge/core and the packages built on it',
    ...program(`
      const entries = {
        '@recforge/core/node': async () => (await load('@recforge/core/node')).loadArtifactsFile('/no/such/model.rfm'),
        '@recforge/mf': async () => new (await load('@recforge/mf')).ALS({ factors: 0 }),
        '@recforge/baselines': async () => new (await load('@recforge/baselines')).EASE({ lambda: -1 }),
        '@recforge/metrics': async () => (await load('@recforge/metrics')).ndcgAtK(new Int32Array(1), new Set([1]), -1),
        '@recforge/data': async () => (await load('@recforge/data')).loadDelimited('/no/such/ratings.csv'),
      }
      const core = await load('@recforge/core')
      const problems = []
      for (const [name, make] of Object.entries(entries)) {
        let err
        try {
          const v = await make()
          err = new Error('no error thrown: ' + String(v))
        } catch (e) {
          err = e
        }
        if (!(err instanceof core.RecForgeError)) problems.push(name + ': ' + (err && err.constructor && err.constructor.name) + ' is not @recforge/core\\'s RecForgeError: ' + (err && err.message))
        else if (!core.isRecForgeError(err)) problems.push(name + ': isRecForgeError is false')
      }
      // and core's own class is defined once, in the chunk all entries share
      const fs = await load('node:fs')
      const path = await load('node:path')
      const dirs = fs.readdirSync(path.join(here, 'node_modules', '@recforge'))
      for (const d of dirs) {
        const dist = path.join(here, 'node_modules', '@recforge', d, 'dist')
        for (const f of fs.readdirSync(dist).filter((f) => /\\.(c?js)$/.test(f))) {
          const text = fs.readFileSync(path.join(dist, f), 'utf8')
          if (/class RecForgeError\\b|RecForgeError = class\\b/.test(text) && !(d === 'core' && /^chunk-/.test(f))) problems.push('@recforge/' + d + '/dist/' + f + ' defines its own RecForgeError')
        }
      }
      if (problems.length) {
        console.error(problems.join('\\n'))
        process.exit(1)
      }
    `),
  },
  'one-tfjs-engine': {
    what: 'one copy of @tensorflow/tfjs-core when @recforge/tf and tfjs-core are imported together',
    ...program(`
      const tf = await load('@tensorflow/tfjs-core')
      const rtf = await load('@recforge/tf')
      const info = await rtf.initBackend({ backend: 'cpu' })
      const fs = await load('node:fs')
      const path = await load('node:path')
      const dist = path.join(here, 'node_modules', '@recforge', 'tf', 'dist')
      const problems = []
      for (const f of fs.readdirSync(dist).filter((f) => /\\.(c?js)$/.test(f))) {
        const text = fs.readFileSync(path.join(dist, f), 'utf8')
        // tfjs-core's Engine and KernelBackend classes: a bundled copy brings a second engine
        if (/\\bclass _?Engine\\b|\\bclass _?KernelBackend\\b/.test(text)) problems.push('@recforge/tf/dist/' + f + ' bundles its own copy of tfjs-core (Engine, KernelBackend)')
      }
      if (tf.getBackend() !== info.tfBackend) problems.push('tfjs-core runs ' + tf.getBackend() + ', @recforge/tf chose ' + info.tfBackend)
      if (rtf.tf.engine() !== tf.engine()) problems.push('@recforge/tf and tfjs-core hold different engines')
      if (problems.length) {
        console.error(problems.join('\\n'))
        process.exit(1)
      }
    `),
  },
}

function program(body) {
  return {
    esm: `import { dirname } from 'node:path'\nimport { fileURLToPath } from 'node:url'\nconst here = dirname(dirname(fileURLToPath(import.meta.url)))\nconst load = (s) => import(s)\n${body}\n`,
    cjs: `const here = require('node:path').dirname(__dirname)\nconst load = async (s) => require(s)\n;(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(1) })\n`,
  }
}
