#!/usr/bin/env node
// The install smoke test: what a new user of the published packages gets.
//
// 1. Packs every publishable package with `pnpm pack` (which rewrites `workspace:` ranges), from
//    the built dist/ folders (`test:all` builds first).
// 2. Reads the README of each package in READMES: its `npm install` lines and its ts/js
//    examples, verbatim, with the ```text output block that follows an example.
// 3. Installs with plain npm (no --legacy-peer-deps) into two fresh projects, one
//    `"type": "module"` and one `"type": "commonjs"`: our packages from the tarballs, every
//    third-party package an install line names from the registry, once per project (one shared
//    npm cache, --prefer-offline). Each README's examples may import only Node built-ins and the
//    packages its own install lines name, so a README whose install line misses a package fails
//    here even though the shared project has it.
// 4. Runs every example as ESM (esbuild strips the types, `node example.mjs`) and as CommonJS
//    (leading imports kept, the rest in an async function, esbuild emits `require` calls,
//    `node example.cjs`), each in an empty working folder, and compares what it prints with the
//    README's output block. Node resolves the packages itself in both: no loader hooks.
// 5. Type-checks the examples with tsc under `module`/`moduleResolution` `nodenext` (the .mts
//    and the wrapped .cts, so both the import and the require types) and `esnext`/`bundler`.
// 6. Checks the built packages hold one copy of every runtime class (checks.mjs), in both projects.
// 7. Installs once more with pnpm and runs the ESM examples there.
// 8. The command line: packs the reference app (@recforge/cli, bin `recforge`, MovieLens
//    ml-latest-small and its licence inside), installs it with plain npm into a fresh folder next to
//    our other tarballs (standing in for the registry), and runs `npx recforge demo --no-serve` there
//    with npm offline (two of its models).
//
// Usage: node tooling/smoke/smoke.mjs [--only core,metrics] [--no-pnpm] [--no-cli] [--keep] [--tarballs DIR]
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { transformSync } from 'esbuild'
import { importsOf, packageName, parseReadme, wrapForCommonJs } from './readme.mjs'
import { CHECKS } from './checks.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const require = createRequire(import.meta.url)

/**
 * The READMEs written for npm users, whose examples this test runs. The READMEs of the other
 * packages are still written for the monorepo (run them with `--only` to see what is left).
 */
const READMES = ['core', 'data', 'metrics', 'baselines', 'cluster', 'tf', 'rl', 'similarity', 'compute', 'ncf', 'encoders', 'content']

/**
 * Install specs that plain npm cannot install today, with the reason. The test installs each
 * README's full install line on its own and expects exactly this failure, so an entry has to go
 * when the problem is fixed; examples that import such a package are not run.
 */
const KNOWN_INSTALL_FAILURES = {}

/**
 * Optional packages an install line offers that this test leaves out because their install needs
 * more than the npm registry; examples that import them are not run.
 */
const NOT_INSTALLED_HERE = {
  '@tensorflow/tfjs-node': 'its install script downloads libtensorflow from storage.googleapis.com; only the npm registry is reachable here',
  '@tensorflow/tfjs-node-gpu': 'its install script downloads libtensorflow from storage.googleapis.com; only the npm registry is reachable here',
}

const args = process.argv.slice(2)
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : undefined
const withPnpm = !args.includes('--no-pnpm')
const withCli = !args.includes('--no-cli')
const keep = args.includes('--keep')
const readmes = only ?? READMES

const started = Date.now()
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`
const log = (s) => process.stdout.write(`[smoke ${elapsed()}] ${s}\n`)
const failures = []
const fail = (s) => {
  failures.push(s)
  process.stdout.write(`  FAIL ${s}\n`)
}

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: opts.timeout ?? 600_000, cwd: opts.cwd, env: { ...process.env, ...opts.env } })
  return { code: r.status ?? (r.signal ? 128 : 1), out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error }
}

function pnpmCommand() {
  const exec = process.env.npm_execpath
  if (exec && /pnpm/.test(path.basename(exec))) return [process.execPath, [exec]]
  const pm = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).packageManager
  return ['npx', ['--yes', pm]]
}
const [pnpmBin, pnpmArgs] = pnpmCommand()
const pnpm = (argv, opts) => run(pnpmBin, [...pnpmArgs, ...argv], opts)

/**
 * Settings of third-party install scripts that reach past the npm registry, as the READMEs tell
 * users to set them. onnxruntime-node (under @huggingface/transformers) downloads the CUDA
 * execution provider on linux/x64 from nuget.org; its CPU binary ships in the package.
 */
const installEnv = {
  ONNXRUNTIME_NODE_INSTALL: 'skip',
  // node-gyp (hnswlib-node) fetches Node's headers from nodejs.org unless nodedir names installed
  // ones; Debian's nodejs package ships them in /usr/include/node
  ...(existsSync('/usr/include/node/node.h') ? { npm_config_nodedir: '/usr' } : {}),
}

// npm's and pnpm's settings of the monorepo (.npmrc) must not reach the fresh projects
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_|^npm_package_|^PNPM_|^pnpm_config_/i.test(k)))
const npm = (argv, cwd) => {
  const r = spawnSync('npm', argv, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600_000, env: { ...cleanEnv, ...installEnv, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } })
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` }
}

const work = mkdtempSync(path.join(os.tmpdir(), 'recforge-smoke-'))
log(`working in ${work}`)

// 1. pack
const packages = readdirSync(path.join(root, 'packages'))
  .filter((d) => existsSync(path.join(root, 'packages', d, 'package.json')))
  .map((d) => ({ dir: d, pkg: JSON.parse(readFileSync(path.join(root, 'packages', d, 'package.json'), 'utf8')) }))
  .filter((p) => !p.pkg.private)
for (const p of args.includes('--tarballs') ? [] : packages) {
  for (const entry of Object.values(p.pkg.exports ?? {})) {
    const target = typeof entry === 'string' ? entry : entry?.import?.default
    if (target && target.startsWith('./dist/') && !existsSync(path.join(root, 'packages', p.dir, target))) {
      process.stderr.write(`packages/${p.dir} is not built (${target} is missing); run the build first (test:all does)\n`)
      process.exit(1)
    }
  }
}
// --tarballs DIR reuses tarballs packed before (to rerun while the tree is being rebuilt)
const cli = { dir: 'apps/reference', pkg: JSON.parse(readFileSync(path.join(root, 'apps/reference/package.json'), 'utf8')) }
if (withCli && !args.includes('--tarballs') && !existsSync(path.join(root, cli.dir, cli.pkg.bin?.recforge ?? 'dist/cli.js'))) {
  process.stderr.write(`${cli.dir} is not built (${cli.pkg.bin?.recforge} is missing); run the build first (test:all does)\n`)
  process.exit(1)
}
const given = args.includes('--tarballs') ? path.resolve(args[args.indexOf('--tarballs') + 1]) : undefined
const tarDir = given ?? path.join(work, 'tarballs')
if (!given) {
  mkdirSync(tarDir)
  const packed = pnpm(['-r', ...[...packages, ...(withCli ? [cli] : [])].flatMap((p) => ['--filter', p.pkg.name]), 'pack', '--pack-destination', tarDir], { cwd: root })
  if (packed.code !== 0) {
    process.stderr.write(packed.out)
    process.exit(1)
  }
}
const tarballs = Object.fromEntries(
  packages.map((p) => {
    const file = path.join(tarDir, `${p.pkg.name.replace('@', '').replace('/', '-')}-${p.pkg.version}.tgz`)
    if (!existsSync(file)) throw new Error(`pnpm pack wrote no ${file}`)
    return [p.pkg.name, file]
  }),
)
log(`packed ${packages.length} packages`)
// our packages that depend on a package npm cannot install cannot be installed either
for (let grew = true; grew; ) {
  grew = false
  for (const p of packages) {
    if (KNOWN_INSTALL_FAILURES[p.pkg.name]) continue
    const dep = Object.keys(p.pkg.dependencies ?? {}).find((d) => KNOWN_INSTALL_FAILURES[d])
    if (dep) {
      KNOWN_INSTALL_FAILURES[p.pkg.name] = `depends on ${dep}`
      grew = true
    }
  }
}

// 2. READMEs
const isBuiltin = (s) => s.startsWith('node:') || builtinModules.includes(s)
const thirdParty = new Map() // name -> spec
const brokenSpecs = new Map() // readme -> install line that must fail
const plan = []
for (const dir of readmes) {
  const file = `packages/${dir}/README.md`
  const { installs, examples, problems } = parseReadme(readFileSync(path.join(root, file), 'utf8'), file)
  problems.forEach(fail)
  const named = new Set()
  let broken = false
  for (const inst of installs) {
    for (const spec of inst.specs) {
      const name = packageName(spec)
      named.add(name)
      if (NOT_INSTALLED_HERE[name]) continue
      if (KNOWN_INSTALL_FAILURES[name]) {
        broken = true
        continue
      }
      if (name.startsWith('@recforge/')) {
        if (!tarballs[name]) fail(`${file}: installs ${name}, which is not a publishable package of this repository`)
        continue
      }
      const prev = thirdParty.get(name)
      if (prev && prev !== spec) fail(`${file}: installs ${spec}, another README installs ${prev}`)
      thirdParty.set(name, spec)
    }
  }
  if (broken) brokenSpecs.set(dir, installs.flatMap((i) => i.specs).filter((spec) => !NOT_INSTALLED_HERE[packageName(spec)]))
  examples.forEach((ex, n) => {
    const id = `${dir}-${n + 1}`
    const imports = importsOf(ex.code)
    for (const spec of imports) {
      if (isBuiltin(spec) || (ex.skip && spec.startsWith('.'))) continue
      if (!named.has(packageName(spec))) fail(`${file}:${ex.line}: the example imports ${spec}, which the README's install lines do not install`)
    }
    const needsBroken = imports.map(packageName).find((n) => KNOWN_INSTALL_FAILURES[n] || NOT_INSTALLED_HERE[n])
    const skip = ex.skip ?? (needsBroken ? `needs ${needsBroken}: ${KNOWN_INSTALL_FAILURES[needsBroken] ?? NOT_INSTALLED_HERE[needsBroken]}` : undefined)
    plan.push({ id, file, ...ex, ...(skip ? { skip } : {}) })
  })
}
log(`${plan.length} examples in ${readmes.length} READMEs; ${plan.filter((e) => e.skip).length} not run`)
for (const e of plan.filter((e) => e.skip)) log(`  not run: ${e.file}:${e.line} (${e.skip})`)

// 3. projects
const deps = {
  ...Object.fromEntries(Object.entries(tarballs).filter(([name]) => !KNOWN_INSTALL_FAILURES[name]).map(([name, file]) => [name, `file:${file}`])),
  ...Object.fromEntries([...thirdParty].map(([name, spec]) => [name, spec.slice(name.length + 1) || '*'])),
  '@types/node': JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).devDependencies['@types/node'],
}
function makeProject(name, type) {
  const dir = path.join(work, name)
  mkdirSync(path.join(dir, 'ex'), { recursive: true })
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `smoke-${name}`, private: true, type, dependencies: deps }, null, 2))
  return dir
}
const esm = makeProject('esm', 'module')
const cjs = makeProject('cjs', 'commonjs')
for (const dir of [esm, cjs]) {
  const r = npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir)
  if (r.code !== 0) {
    fail(`npm install in ${path.basename(dir)} failed:\n${r.out}`)
    finish()
  }
}
log(`npm installed ${Object.keys(deps).length} packages into the ESM and the CommonJS project`)

for (const [dir, specs] of brokenSpecs) {
  const d = path.join(work, `install-${dir}`)
  mkdirSync(d)
  writeFileSync(path.join(d, 'package.json'), JSON.stringify({ name: `smoke-install-${dir}`, private: true }))
  const ours = Object.entries(tarballs).filter(([n]) => specs.some((s) => packageName(s) === n) || !KNOWN_INSTALL_FAILURES[n]).map(([, f]) => f)
  const r = npm(['install', '--prefer-offline', '--dry-run', ...specs.filter((s) => !s.startsWith('@recforge/')), ...ours], d)
  const expected = specs.map(packageName).filter((n) => KNOWN_INSTALL_FAILURES[n])
  if (r.code === 0) fail(`packages/${dir}/README.md's install lines now install with npm: remove ${expected.join(', ')} from KNOWN_INSTALL_FAILURES in tooling/smoke/smoke.mjs`)
  else if (!/ERESOLVE/.test(r.out)) fail(`packages/${dir}/README.md's install lines fail differently than known:\n${r.out.slice(0, 2000)}`)
  else log(`packages/${dir}/README.md: npm install fails as known (${expected.map((n) => KNOWN_INSTALL_FAILURES[n]).join('; ')})`)
}

// 4. run
const toEsm = (code) => transformSync(code, { loader: 'ts', format: 'esm', target: 'node20' }).code
const toCjs = (code) => transformSync(code, { loader: 'ts', format: 'cjs', target: 'node20' }).code
const normalise = (s) => s.trim().split('\n').map((l) => l.trimEnd()).join('\n')

function runExample(project, file, ex, label) {
  const cwd = mkdtempSync(path.join(work, `cwd-${ex.id}-`))
  const r = run(process.execPath, [file], { cwd, timeout: 300_000, env: { ...cleanEnv, NODE_OPTIONS: '' } })
  if (r.code !== 0) return fail(`${ex.file}:${ex.line} as ${label} exited with ${r.code}:\n${r.out.slice(-3000)}`)
  if (ex.expected !== undefined && normalise(r.stdout) !== normalise(ex.expected)) {
    return fail(`${ex.file}:${ex.line} as ${label} printed\n${r.stdout}\ninstead of\n${ex.expected}`)
  }
}

const runnable = plan.filter((e) => !e.skip)
for (const ex of runnable) {
  writeFileSync(path.join(esm, 'ex', `${ex.id}.mts`), ex.code)
  writeFileSync(path.join(esm, 'ex', `${ex.id}.mjs`), toEsm(ex.code))
  const wrapped = wrapForCommonJs(ex.code)
  writeFileSync(path.join(cjs, 'ex', `${ex.id}.cts`), wrapped)
  writeFileSync(path.join(cjs, 'ex', `${ex.id}.cjs`), toCjs(wrapped))
}
for (const [name, check] of Object.entries(CHECKS)) {
  writeFileSync(path.join(esm, 'ex', `check-${name}.mjs`), check.esm)
  writeFileSync(path.join(cjs, 'ex', `check-${name}.cjs`), check.cjs)
}
for (const ex of runnable) {
  const t = Date.now()
  runExample(esm, path.join(esm, 'ex', `${ex.id}.mjs`), ex, 'ESM')
  runExample(cjs, path.join(cjs, 'ex', `${ex.id}.cjs`), ex, 'CommonJS')
  log(`ran ${ex.file}:${ex.line} as ESM and CommonJS (${((Date.now() - t) / 1000).toFixed(1)} s)`)
}
for (const [name, check] of Object.entries(CHECKS)) {
  for (const [project, ext, label] of [[esm, 'mjs', 'ESM'], [cjs, 'cjs', 'CommonJS']]) {
    const r = run(process.execPath, [path.join(project, 'ex', `check-${name}.${ext}`)], { cwd: project, env: cleanEnv })
    if (check.known) {
      if (r.code === 0) fail(`check ${name} (${check.what}) passes as ${label} now: remove its \`known\` note in tooling/smoke/checks.mjs`)
      else log(`  ${label}: fails as known (${check.known}): ${r.stderr.trim().split('\n')[0]}`)
    } else if (r.code !== 0) fail(`check ${name} (${check.what}) as ${label}:\n${r.out.slice(-3000)}`)
  }
  log(`checked ${check.what}`)
}

// 5. type-check
const tsc = require.resolve('typescript/bin/tsc', { paths: [root] })
const baseOptions = { strict: true, noEmit: true, skipLibCheck: true, target: 'ES2022', lib: ['ES2022'], types: ['node'], noUncheckedIndexedAccess: true, verbatimModuleSyntax: false }
function typecheck(project, name, options, include) {
  const cfg = path.join(project, `tsconfig.${name}.json`)
  writeFileSync(cfg, JSON.stringify({ compilerOptions: { ...baseOptions, ...options }, include }, null, 2))
  const r = run(process.execPath, [tsc, '-p', cfg], { cwd: project })
  if (r.code !== 0) fail(`tsc (${name}) in ${path.basename(project)}:\n${r.out.slice(0, 6000)}`)
  else log(`type-checked the examples under ${name} in ${path.basename(project)}`)
}
if (runnable.length > 0) {
  typecheck(esm, 'nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }, ['ex/*.mts'])
  typecheck(esm, 'bundler', { module: 'esnext', moduleResolution: 'bundler' }, ['ex/*.mts'])
  typecheck(cjs, 'nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }, ['ex/*.cts'])
}

// 8. the command line (run before pnpm's install, which is the longest)
if (withCli) {
  const cliTarball = path.join(tarDir, `${cli.pkg.name.replace('@', '').replace('/', '-')}-${cli.pkg.version}.tgz`)
  const listing = run('tar', ['tzf', cliTarball])
  if (listing.code !== 0) fail(`no tarball of ${cli.pkg.name} (${cliTarball}):\n${listing.out}`)
  else {
    for (const f of ['package/dist/cli.js', 'package/data/ml-latest-small/ratings.csv', 'package/data/ml-latest-small/movies.csv', 'package/data/ml-latest-small/README.txt']) {
      if (!listing.stdout.split('\n').includes(f)) fail(`${cli.pkg.name}'s tarball lacks ${f.slice('package/'.length)}`)
    }
    const dir = path.join(work, 'cli')
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'smoke-cli', private: true }))
    const t = Date.now()
    const r = npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', cliTarball, ...Object.values(tarballs)], dir)
    if (r.code !== 0) fail(`npm install of ${cli.pkg.name} failed:\n${r.out.slice(-4000)}`)
    else {
      log(`npm installed ${cli.pkg.name} into a fresh folder (${((Date.now() - t) / 1000).toFixed(1)} s)`)
      const t2 = Date.now()
      // npm offline: npx must find the installed bin, and the demo needs nothing from the network.
      // Two of the demo's nine models (popularity and ALS) keep this to a minute; the full default
      // list adds many minutes of NeuMF, content and hybrid training and evaluation on 2 cores
      // (measured at load 30: NeuMF fit 288 s, content evaluation 381 s), which their packages' tests cover
      const d = spawnSync('npx', ['--offline', 'recforge', 'demo', '--no-serve', '--models', 'pop,als'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 900_000, env: { ...cleanEnv, NODE_OPTIONS: '', npm_config_offline: 'true', npm_config_update_notifier: 'false' } })
      const demo = { code: d.status ?? 1, stdout: d.stdout ?? '', out: `${d.stdout ?? ''}${d.stderr ?? ''}${d.error ? String(d.error) : ''}` }
      if (demo.code !== 0) fail(`npx recforge demo --no-serve --models pop,als exited with ${demo.code}:\n${demo.out.slice(-4000)}`)
      else if (!/movielens-latest, protocol holdout-full, k=10, seed 42; 610 users evaluated/.test(demo.stdout) || !/^als\s+0\.\d+/m.test(demo.stdout)) {
        fail(`npx recforge demo --no-serve printed no comparison on the built-in ml-latest-small (610 users):\n${demo.stdout.slice(-3000)}`)
      } else log(`ran npx recforge demo --no-serve on the built-in ml-latest-small (${((Date.now() - t2) / 1000).toFixed(1)} s)`)
    }
  }
}

// 7. pnpm
if (withPnpm) {
  const dir = path.join(work, 'pnpm')
  mkdirSync(path.join(dir, 'ex'), { recursive: true })
  // our packages are not on the registry: pnpm resolves each package's own dependencies
  // separately, so the ones between our packages are pointed at the tarballs too
  const overrides = Object.fromEntries(Object.entries(tarballs).filter(([name]) => !KNOWN_INSTALL_FAILURES[name]).map(([name, file]) => [name, `file:${file}`]))
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'smoke-pnpm', private: true, type: 'module', dependencies: deps, pnpm: { overrides } }, null, 2))
  const r = pnpm(['install', '--prefer-offline', '--reporter=append-only'], { cwd: dir, env: { ...cleanEnv, ...installEnv } })
  if (r.code !== 0) fail(`pnpm install failed:\n${r.out.slice(-4000)}`)
  else {
    log('pnpm installed the same packages')
    for (const ex of runnable) {
      const file = path.join(dir, 'ex', `${ex.id}.mjs`)
      cpSync(path.join(esm, 'ex', `${ex.id}.mjs`), file)
      runExample(dir, file, ex, 'ESM under pnpm')
    }
    log(`ran ${runnable.length} examples under pnpm`)
  }
}

finish()

function finish() {
  if (!keep) rmSync(work, { recursive: true, force: true })
  if (failures.length > 0) {
    process.stdout.write(`[smoke ${elapsed()}] ${failures.length} failure(s)\n`)
    process.exit(1)
  }
  log(`ok: ${runnable.length} README examples as ESM and CommonJS${withPnpm ? ' and under pnpm' : ''}, type-checked (nodenext, bundler)${withCli ? '; npx recforge demo --no-serve' : ''}`)
  process.exit(0)
}
