// The built entries (`@recforge/core`, `/node`, `/testing`) must share one copy of every runtime
// class: an error thrown by `/node` is `instanceof` the `RecForgeError` of the main entry, in ESM
// and in CommonJS. Runs against dist/, which `test:all` builds before the tests.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist')
const built = existsSync(path.join(dist, 'index.js')) && existsSync(path.join(dist, 'node.cjs'))
if (!built) process.stderr.write(`core dist test skipped: ${dist} has no build; run \`pnpm --filter @recforge/core build\`\n`)

describe.skipIf(!built)('built entries share one RecForgeError', () => {
  it('in ESM', async () => {
    const core = (await import(pathToFileURL(path.join(dist, 'index.js')).href)) as typeof import('../index')
    const node = (await import(pathToFileURL(path.join(dist, 'node.js')).href)) as typeof import('../node')
    const err = await node.loadArtifactsFile(path.join(dist, 'no-such-file.rfm')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(core.RecForgeError)
    expect(core.isRecForgeError(err, 'IO_ERROR')).toBe(true)
  })

  it('in CommonJS', async () => {
    const require = createRequire(import.meta.url)
    const core = require(path.join(dist, 'index.cjs')) as typeof import('../index')
    const node = require(path.join(dist, 'node.cjs')) as typeof import('../node')
    const err = await node.loadArtifactsFile(path.join(dist, 'no-such-file.rfm')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(core.RecForgeError)
    expect(core.isRecForgeError(err, 'IO_ERROR')).toBe(true)
  })
})
