import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'
import { tfjsGradientsPlugin } from '../../scripts/tfjsGradients'

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
// inside the package's node_modules, so the bundle resolves @tensorflow/tfjs-core as an installed package would
const out = path.join(pkg, 'node_modules', '.cache', `bundle-test-${process.pid}`)
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('the published bundle', () => {
  it('bundles the gradients but not tfjs-core: one engine, and the gradients land in it', async () => {
    mkdirSync(out, { recursive: true })
    await build({
      entryPoints: [path.join(pkg, 'src/index.ts')],
      outfile: path.join(out, 'index.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      conditions: ['@recforge/source'],
      // as tsup treats the package's dependencies and peers; the gradient files are the plugin's
      external: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
      plugins: [tfjsGradientsPlugin()],
      logLevel: 'silent',
    })
    const text = readFileSync(path.join(out, 'index.mjs'), 'utf8')
    expect(text).not.toMatch(/\bclass _?(Engine|KernelBackend|Tensor|Variable)\b/)
    expect(text).toMatch(/registerGradient\(/)
    writeFileSync(
      path.join(out, 'check.mjs'),
      `import * as tf from '@tensorflow/tfjs-core'
const rtf = await import('./index.mjs')
await rtf.initBackend({ backend: 'cpu' })
const x = tf.tensor2d([[0.5, -1], [2, 0.25]])
// d/dx sum(sigmoid(x·x)) by hand: sigmoid'(y) = s(1-s); d(x·x)/dx gives g·xᵀ + xᵀ·g
const g = tf.grad((a) => tf.sum(tf.sigmoid(tf.matMul(a, a))))(x)
const img = tf.ones([1, 4, 4, 1])
const gf = tf.grad((f) => tf.sum(tf.conv2d(img, f, 1, 'valid')))(tf.ones([3, 3, 1, 1]))
console.log(JSON.stringify({ same: rtf.tf.engine() === tf.engine(), backend: tf.getBackend(), g: Array.from(g.dataSync()), gf: Array.from(gf.dataSync()) }))
`,
    )
    const res = JSON.parse(execFileSync(process.execPath, [path.join(out, 'check.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
    expect(res.same).toBe(true)
    expect(res.backend).toBe('cpu')
    const xs = [0.5, -1, 2, 0.25]
    const y = [0.5 * 0.5 + -1 * 2, 0.5 * -1 + -1 * 0.25, 2 * 0.5 + 0.25 * 2, 2 * -1 + 0.25 * 0.25]
    const s = y.map((v) => 1 / (1 + Math.exp(-v)))
    const dy = s.map((v) => v * (1 - v))
    const at = (m: number[], r: number, c: number) => m[r * 2 + c]!
    const expected = [0, 1].flatMap((r) => [0, 1].map((c) => at(dy, r, 0) * at(xs, c, 0) + at(dy, r, 1) * at(xs, c, 1) + at(xs, 0, r) * at(dy, 0, c) + at(xs, 1, r) * at(dy, 1, c)))
    res.g.forEach((v: number, i: number) => expect(v).toBeCloseTo(expected[i]!, 5))
    // conv2d filter gradient (a bundled backprop op): each tap sees the 2×2 valid outputs, all ones
    expect(res.gf).toEqual(new Array(9).fill(4))
  }, 60_000)
})
