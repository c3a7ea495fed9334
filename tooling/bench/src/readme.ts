import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { format } from 'node:util'

/** What {@link runReadmeExample} saw: the example's console output and the output the README shows. */
export interface ReadmeRun {
  printed: string
  expected: string
}

/**
 * Runs the first ```ts example of `<pkgDir>/README.md` (with `@recforge/<name>` imports pointed
 * at the workspace sources, as the source export condition does) and returns what it printed with
 * `console.log` beside the ```text block that follows the example in the README. `rewrite` may
 * adapt the code before it runs (e.g. a data path). For the packages' README tests.
 *
 * @throws Error when the README has no ```ts example followed by a ```text output block.
 */
export async function runReadmeExample(pkgDir: string, rewrite: (code: string) => string = (code) => code): Promise<ReadmeRun> {
  const readme = readFileSync(path.join(pkgDir, 'README.md'), 'utf8')
  const match = /```ts\n([\s\S]*?)```[^`]*```text\n([\s\S]*?)```/.exec(readme)
  if (!match) throw new Error(`${pkgDir}/README.md has no \`\`\`ts example followed by a \`\`\`text output block`)
  const code = rewrite(match[1]!.replace(/'@recforge\/([a-z-]+)'/g, (_, name: string) => JSON.stringify(path.join(pkgDir, '..', name, 'src', 'index.ts'))))
  const dir = mkdtempSync(path.join(os.tmpdir(), 'recforge-readme-'))
  const file = path.join(dir, 'example.mts')
  writeFileSync(file, code)
  const printed: string[] = []
  const log = console.log
  console.log = (...args: unknown[]) => void printed.push(format(...args))
  try {
    await import(/* @vite-ignore */ file)
  } finally {
    console.log = log
    rmSync(dir, { recursive: true, force: true })
  }
  return { printed: printed.join('\n'), expected: match[2]!.trim() }
}
