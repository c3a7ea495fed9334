import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@recforge/bench/readme'
import { expect, it } from 'vitest'

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

it('the README example runs and prints what the README shows', async () => {
  const { printed, expected } = await runReadmeExample(pkgDir)
  expect(printed).toBe(expected)
})

it('the package imports nothing but @recforge/core, @recforge/compute (browser-safe, tested in Chromium there) and its own files, so it runs in browsers', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === '__tests__' ? [] : files(path.join(dir, e.name))) : [path.join(dir, e.name)]))
  const sources = files(path.join(pkgDir, 'src'))
  expect(sources.length).toBeGreaterThan(5)
  for (const f of sources) {
    const text = readFileSync(f, 'utf8')
    for (const m of text.matchAll(/from '([^']+)'/g)) expect(m[1], f).toMatch(/^(@recforge\/(core|compute)|\.\.?\/)/)
    expect(text, f).not.toMatch(/\b(process|Buffer|require)\s*[.(]/)
  }
})
