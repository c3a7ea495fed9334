import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { format } from 'node:util'
import { expect, it, vi } from 'vitest'

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

// the README reads MovieLens latest-small from the folder next to the repository; the test runs it
// on the identical copy (with its licence) that ships with the reference app
const movielens = path.resolve(pkgDir, '../../apps/reference/data/ml-latest-small')

it('the README example runs on MovieLens latest-small and prints what the README shows', async () => {
  const readme = readFileSync(path.join(pkgDir, 'README.md'), 'utf8')
  const match = /```ts\n([\s\S]*?)```[^`]*```text\n([\s\S]*?)```/.exec(readme)
  expect(match, 'README has a ```ts example followed by a ```text output block').not.toBeNull()
  // the package names resolve to the workspace sources, as the source export condition does
  const code = match![1]!
    .replace(/'@recforge\/([a-z-]+)'/g, (_, name: string) => JSON.stringify(path.join(pkgDir, '..', name, 'src', 'index.ts')))
    .replace('movielens-latest:../shared/data/ml-latest-small', `movielens-latest:${movielens}`)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'recforge-readme-'))
  const file = path.join(dir, 'example.mts')
  writeFileSync(file, code)
  const printed: string[] = []
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(format(...args)))
  try {
    await import(/* @vite-ignore */ file)
  } finally {
    log.mockRestore()
    rmSync(dir, { recursive: true, force: true })
  }
  expect(printed.join('\n')).toBe(match![2]!.trim())
}, 120_000)
