/**
 * Regenerates the generated modules of one package (the current folder, or the folder given):
 *   tsx ../../tooling/codegen/src/cli.ts           write what changed
 *   tsx ../../tooling/codegen/src/cli.ts --check   exit 1 when a committed module is stale
 * Packages run it as `pnpm --filter <package> generate`.
 */
import path from 'node:path'
import { checkGenerated, generate } from './generated'

const args = process.argv.slice(2)
const dir = path.resolve(args.find((a) => !a.startsWith('--')) ?? process.cwd())
if (args.includes('--check')) {
  const { outputs, stale } = await checkGenerated(dir)
  for (const f of stale) process.stdout.write(`stale: ${f}\n`)
  process.stdout.write(`${outputs.length - stale.length} of ${outputs.length} generated modules match their sources\n`)
  process.exitCode = stale.length > 0 ? 1 : 0
} else {
  const written = await generate(dir)
  for (const f of written) process.stdout.write(`wrote ${f}\n`)
  if (written.length === 0) process.stdout.write('every generated module already matches its source\n')
}
