#!/usr/bin/env node
// The release plan may not bump a package to a new major by accident: `changeset status` must
// show no major release and no version at or above 1.0.0, and no publishable package may go out
// at 0.0.x (every package is first published as 0.1.0). Also checks the npm metadata of every
// publishable package.json. Run by `test:all`; `node tooling/smoke/release-check.mjs`.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const problems = []

const dir = mkdtempSync(path.join(os.tmpdir(), 'recforge-release-'))
const out = path.join(dir, 'status.json')
const bin = path.join(root, 'node_modules', '@changesets', 'cli', 'bin.js')
// --output is relative to the repository root in @changesets/cli 2.x
const r = spawnSync(process.execPath, [bin, 'status', `--output=${path.relative(root, out)}`], { cwd: root, encoding: 'utf8' })
if (r.status !== 0 || !existsSync(out)) {
  process.stderr.write(`changeset status failed:\n${r.stdout}${r.stderr}`)
  process.exit(1)
}
const plan = JSON.parse(readFileSync(out, 'utf8'))
rmSync(dir, { recursive: true, force: true })

const releases = new Map(plan.releases.map((x) => [x.name, x]))
for (const rel of plan.releases) {
  if (rel.type === 'major') {
    const why = plan.changesets.filter((c) => c.releases.some((x) => x.name === rel.name && x.type === 'major')).map((c) => `.changeset/${c.id}.md`)
    problems.push(`${rel.name} would be released as a major (${rel.oldVersion} -> ${rel.newVersion}) ${why.length ? `by ${why.join(', ')}` : '(through a dependency: a peer range that the new version leaves)'}`)
  } else if (Number(rel.newVersion.split('.')[0]) >= 1) problems.push(`${rel.name} would be released as ${rel.newVersion}; 1.0.0 is a deliberate decision, not a changeset's side effect`)
}

for (const d of readdirSync(path.join(root, 'packages'))) {
  const file = path.join(root, 'packages', d, 'package.json')
  if (!existsSync(file)) continue
  const pkg = JSON.parse(readFileSync(file, 'utf8'))
  if (pkg.private) continue
  const where = `packages/${d}/package.json`
  const next = releases.get(pkg.name)?.newVersion ?? pkg.version
  if (/^0\.0\./.test(next)) problems.push(`${pkg.name} would be published as ${next}: add a changeset (minor for a first release, so it goes out as 0.1.0)`)
  if (!pkg.homepage?.startsWith('https://')) problems.push(`${where}: no homepage`)
  if (!pkg.bugs?.url) problems.push(`${where}: no bugs.url`)
  if (pkg.repository?.directory !== `packages/${d}`) problems.push(`${where}: repository.directory should be packages/${d}`)
  const generic = new Set(['recommender', 'recommendation', 'recsys'])
  if (!(pkg.keywords ?? []).some((k) => !generic.has(k))) problems.push(`${where}: no keywords of its own beyond ${[...generic].join(', ')}`)
  if (pkg.sideEffects === undefined) problems.push(`${where}: no sideEffects field`)
  const files = pkg.files ?? []
  if (!files.includes('dist')) problems.push(`${where}: files does not list dist`)
  if (files.includes('src') && !files.includes('!src/**/__tests__')) problems.push(`${where}: files ships src/**/__tests__`)
  if (files.some((f) => /^(bench|scripts|test|tests|fixtures)\b/.test(f))) problems.push(`${where}: files ships ${files.filter((f) => /^(bench|scripts|test|tests|fixtures)\b/.test(f)).join(', ')}`)
}

if (problems.length) {
  process.stderr.write(`release check: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}\n`)
  process.exit(1)
}
const counts = {}
for (const rel of plan.releases) counts[rel.type] = (counts[rel.type] ?? 0) + 1
process.stdout.write(`release check: ${plan.releases.length} packages to release (${Object.entries(counts).map(([t, n]) => `${n} ${t}`).join(', ')}), none major; every package.json has its npm metadata\n`)
