/**
 * Side-by-side benchmarks against the anchors, every pair in one run: for each comparison the
 * anchor and RecForge read the same files (prepare.ts), run in fresh processes, interleaved
 * (the order flips every repetition), several repetitions; the table reports medians and the
 * ratio RecForge / anchor. An anchor that is not installed is reported as missing.
 *
 *   npx pnpm@10.34.9 bench:anchors        (from the repository root; takes the benchmark lock)
 *
 * ANCHORS_ONLY=als,bpr,mf,svdpp,hnsw,ease,neumf picks comparisons, and ANCHORS_MATCH (a regular
 * expression, case-insensitive) keeps those whose name or anchor matches it, e.g.
 * ANCHORS_MATCH='10,000 items|hnswlib'. A filtered run keeps the rows of the earlier results file
 * that it does not measure again (ANCHORS_MERGE=0: only its own rows), each with its run's date.
 * ANCHORS_RESULTS is the folder of the result files (default bench/results). ANCHORS_REPEAT (default 3)
 * sets the repetitions; ANCHORS_PYTHON the anchors venv's python (default the one that
 * ../shared/anchors/install.sh makes); ANCHORS_HNSW_N the size of the two synthetic vector sets
 * (default 20000); ANCHORS_BPR_EPOCHS (default 100); ANCHORS_NEUMF_EPOCHS (default 20).
 * Writes bench/results/anchors.{md,json,svg}.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { machineInfo } from '@recforge/bench'
import { mlLatestDir, prepareEase, prepareImplicit, prepareNcf, prepareVectors, repoRoot, writeRatingFolds } from './prepare'
import { renderRatios } from './plot'
import { summarize, type Comparison, type Job, type Json, type ResultRow } from './compare'

const only = process.env.ANCHORS_ONLY?.split(',')
const want = (name: string) => !only || only.includes(name)
const match = process.env.ANCHORS_MATCH ? new RegExp(process.env.ANCHORS_MATCH, 'i') : undefined
const merge = (only !== undefined || match !== undefined) && process.env.ANCHORS_MERGE !== '0'
const repeat = Number(process.env.ANCHORS_REPEAT ?? 3)
const python = process.env.ANCHORS_PYTHON ?? '/opt/recforge-anchors/bin/python'
const hnswN = Number(process.env.ANCHORS_HNSW_N ?? 20_000)
const bprEpochs = Number(process.env.ANCHORS_BPR_EPOCHS ?? 100)
const neumfEpochs = Number(process.env.ANCHORS_NEUMF_EPOCHS ?? 20)
const dataRoot = process.env.ANCHORS_DATA ?? path.join(os.tmpdir(), 'recforge-anchors-data')
const allThreads = os.cpus().length
const here = path.join(repoRoot, 'tools/anchors')
mkdirSync(dataRoot, { recursive: true })

/** Which anchor modules import in the venv (a missing venv makes every anchor missing). */
function pythonHas(module: string): string | undefined {
  if (!existsSync(python)) return `no anchors venv at ${python} (bash ../shared/anchors/install.sh makes it)`
  try {
    execFileSync(python, ['-c', `import ${module}`], { stdio: 'ignore' })
    return undefined
  } catch {
    return `python module ${module} is not installed in ${python}`
  }
}

// numpy and OpenBLAS at their best: the machine's OPENBLAS_CORETYPE/L2_SIZE pin an older kernel;
// these commands alone run without both (the BLAS architecture each run reports is in the JSON)
const pythonEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'OPENBLAS_CORETYPE' && k !== 'OPENBLAS_L2_SIZE'))

function py(script: string, args: string[], threads?: number): Job {
  return { cmd: python, args: [path.isAbsolute(script) ? script : path.join(here, script), ...args], env: { ...pythonEnv, ...(threads ? { OMP_NUM_THREADS: String(threads) } : {}) } }
}
function rf(args: string[]): Job {
  return { cmd: process.execPath, args: ['--import', '@recforge/bench/tfjs-esm-resolve', '--conditions=@recforge/source', '--import', 'tsx', path.join(here, 'src/recforge.ts'), ...args], cwd: here }
}

function runJob(job: Job): { out: Json; load: number } {
  const load = os.loadavg()[0]!
  const text = execFileSync(job.cmd, job.args, { cwd: job.cwd ?? here, env: job.env ?? process.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 })
  const lines = text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
  if (!lines.length) throw new Error(`${job.cmd} ${job.args.join(' ')} printed no JSON`)
  return { out: { ...lines[lines.length - 1]!, ...(lines.length > 1 ? { lines } : {}) }, load }
}

const comparisons: Comparison[] = []
const threadSettings = [...new Set([1, allThreads])]

if (want('als') || want('bpr')) {
  const data = prepareImplicit(dataRoot)
  const missing = pythonHas('implicit')
  for (const model of ['als', 'bpr'] as const) {
    if (!want(model)) continue
    const iterations = model === 'als' ? 15 : bprEpochs
    for (const threads of threadSettings) {
      comparisons.push({
        group: 'mf',
        kind: 'step',
        name: `${model.toUpperCase()} 64 factors, ${iterations} ${model === 'als' ? 'iterations' : 'epochs'}, synthetic 1m holdout-full train (${data.train.toLocaleString('en-US')} interactions), ${threads} thread${threads > 1 ? 's' : ''}`,
        anchorName: 'implicit 0.7.2',
        stepUnit: model === 'als' ? 's/iteration' : 's/epoch',
        recforge: rf([model, data.dir, String(threads), String(iterations)]),
        anchor: missing ? undefined : py('implicit_bench.py', [data.dir, '--model', model, '--threads', String(threads), '--iterations', String(iterations)], threads),
        missing,
        quality: ['ndcg@10'],
      })
    }
  }
}

if (want('mf') || want('svdpp')) {
  const folds = await writeRatingFolds(dataRoot)
  const missing = folds ? pythonHas('surprise') : `ml-latest-small not found at ${mlLatestDir}`
  for (const model of ['mf', 'svdpp'] as const) {
    if (!want(model)) continue
    comparisons.push({
      group: 'mf',
      kind: 'folds',
      name: `${model === 'mf' ? "mf (Surprise SVD's settings: learningRate 0.005, l2 0.02)" : 'svdpp (defaults)'} vs Surprise ${model === 'mf' ? 'SVD' : 'SVDpp'} (defaults), ml-latest-small, the same 5 folds (seed 42), 1 thread`,
      anchorName: 'scikit-surprise 1.1.4',
      stepUnit: 's fit per fold',
      recforge: rf([model, folds?.dir ?? '', String(folds?.folds ?? 5)]),
      anchor: missing || !folds ? undefined : py('surprise_bench.py', [folds.dir, '--model', model === 'mf' ? 'svd' : 'svdpp', '--folds', String(folds.folds)]),
      missing,
      quality: ['rmse'],
      // Surprise's SVD++ takes tens of seconds a fold: one repetition
      ...(model === 'svdpp' ? { repeat: Math.min(repeat, 1) } : {}),
    })
  }
}

if (want('hnsw')) {
  const missingPy = pythonHas('hnswlib')
  for (const set of ['clustered', 'random', 'movielens', 'goodbooks']) {
    const v = prepareVectors(dataRoot, set, hnswN)
    const tag = `${v.name} (${v.n.toLocaleString('en-US')} × ${v.d}, ${v.metric}), M 16, efConstruction 200`
    // every anchor is set against the same RecForge build of the index
    const build = (name: string, anchorName: string, anchor: Job | undefined, missing?: string): Comparison => ({
      group: 'similarity',
      kind: 'ann',
      name: `HNSW ${tag}, ${name}`,
      anchorName,
      stepUnit: 's build',
      recforge: rf(['hnsw', v.dir]),
      anchor,
      missing,
      quality: [],
    })
    comparisons.push(build('build 1 thread', 'hnswlib (Python)', missingPy ? undefined : py('hnsw_bench.py', [v.dir, '--metric', v.metric, '--threads', '1']), missingPy))
    comparisons.push(build('build 1 thread', 'hnswlib-node 3.0.0', rf(['hnswlib-node', v.dir])))
    if (allThreads > 1 && !missingPy) {
      comparisons.push(build(`build: RecForge 1 thread (it builds on one), hnswlib ${allThreads} threads`, 'hnswlib (Python)', py('hnsw_bench.py', [v.dir, '--metric', v.metric, '--threads', String(allThreads)])))
    }
  }
}

if (want('ease')) {
  const missing = pythonHas('numpy')
  for (const items of [2000, 5000, 10000]) {
    const data = prepareEase(dataRoot, items)
    for (const threads of threadSettings) {
      comparisons.push({
        group: 'baselines',
        kind: 'fit',
        name: `EASE lambda 500, ${items.toLocaleString('en-US')} items, 6,040 users (${data.nnz.toLocaleString('en-US')} interactions), float64, ${threads} thread${threads > 1 ? 's' : ''}`,
        anchorName: 'numpy np.linalg.inv',
        stepUnit: 's fit',
        recforge: rf(['ease', data.dir, String(threads)]),
        anchor: missing ? undefined : py('ease_bench.py', [data.dir, '--threads', String(threads)]),
        missing,
        quality: [],
        repeat: items >= 10000 ? Math.min(repeat, 2) : repeat,
      })
    }
  }
}

if (want('neumf')) {
  const dir = prepareNcf(dataRoot)
  const missing = dir ? pythonHas('torch') : `ml-latest-small not found at ${mlLatestDir}`
  const reference = path.join(repoRoot, 'packages/ncf/bench/reference/neumf_torch.py')
  for (const threads of threadSettings) {
    comparisons.push({
      group: 'ncf',
      kind: 'epochs',
      name: `NeuMF (GMF 8 + MLP [64, 32, 16, 8], Adam 0.001, batch 256, 4 negatives), ml-latest-small loo-sampled, ${neumfEpochs} epochs; RecForge on tfjs wasm (1 thread), PyTorch ${threads} thread${threads > 1 ? 's' : ''}`,
      anchorName: 'PyTorch 1.13 (Debian)',
      stepUnit: 's/epoch',
      recforge: rf(['neumf', mlLatestDir, String(neumfEpochs), '42']),
      anchor: missing || !dir ? undefined : py(reference, [dir, '--epochs', String(neumfEpochs), '--threads', String(threads), '--data', 'loo']),
      missing,
      quality: ['hr@10', 'ndcg@10'],
      // one RecForge run serves both thread settings of the anchor
      seeds: [42, 1, 2],
    })
  }
}

if (match) {
  const kept = comparisons.filter((c) => match.test(c.name) || match.test(c.anchorName))
  comparisons.length = 0
  comparisons.push(...kept)
}
if (comparisons.length === 0) throw new Error(`no comparison matches ANCHORS_ONLY=${only?.join(',') ?? ''} ANCHORS_MATCH=${process.env.ANCHORS_MATCH ?? ''}`)

// the quick comparisons first, so that a run cut short still covers every anchor it reached:
// implicit, Surprise SVD, numpy, PyTorch, then Surprise SVDpp (tens of seconds a fold) and HNSW
const rank = (c: Comparison) => ({ step: 0, folds: c.name.startsWith('svdpp') ? 4 : 1, fit: 2, epochs: 3, ann: 5 })[c.kind]
comparisons.sort((a, b) => rank(a) - rank(b))

const dir = path.resolve(repoRoot, process.env.ANCHORS_RESULTS ?? 'bench/results')
mkdirSync(dir, { recursive: true })
const runDate = new Date().toISOString()
const rowKey = (r: Pick<ResultRow, 'name' | 'anchorName' | 'figure'>) => `${r.name}\u0000${r.anchorName}\u0000${r.figure}`
const measuredHere = new Set(comparisons.map((c) => `${c.name}\u0000${c.anchorName}`))

/** The rows of the earlier results file that this run does not measure (a filtered run keeps them), dated. */
function earlierRows(): ResultRow[] {
  const file = path.join(dir, 'anchors.json')
  if (!merge || !existsSync(file)) return []
  const old = JSON.parse(readFileSync(file, 'utf8')) as { date: string; rows: ResultRow[] }
  return old.rows.filter((r) => !measuredHere.has(`${r.name}\u0000${r.anchorName}`)).map((r) => ({ ...r, date: r.date ?? old.date }))
}
const kept = earlierRows()
const rows: ResultRow[] = []
/** Earlier rows in their places, then this run's rows (each in the place of the row it replaces, or at the end). */
function allRows(): ResultRow[] {
  const mine = new Map(rows.map((r) => [rowKey(r), r]))
  return [...kept, ...rows.filter((r) => !kept.some((k) => rowKey(k) === rowKey(r)))].map((r) => mine.get(rowKey(r)) ?? r)
}
const report = {
  suite: 'anchors',
  command: [...Object.entries(process.env).filter(([k]) => k.startsWith('ANCHORS_')).sort().map(([k, v]) => `${k}=${/^[\w.,/-]+$/.test(v ?? '') ? v : `'${v}'`}`), 'npx pnpm@10.34.9 bench:anchors'].join(' '),
  date: runDate,
  machine: machineInfo(),
  repeat,
  settings: { only: only ?? 'all', match: process.env.ANCHORS_MATCH ?? null, bprEpochs, neumfEpochs, hnswN },
  /** False until every comparison has run: the files are rewritten after each one. */
  complete: false,
  comparisons: comparisons.length,
  /** Rows kept from earlier runs (filtered runs), each with its run's date. */
  keptRows: kept.length,
  rows: [] as ResultRow[],
}

function writeReport(): string {
  report.rows = allRows()
  const md = toMarkdown()
  for (const [file, text] of [
    ['anchors.json', JSON.stringify(report, null, 2) + '\n'],
    ['anchors.md', md],
    ['anchors.svg', renderRatios(report.rows)],
  ] as const) {
    const target = path.join(dir, file)
    writeFileSync(`${target}.tmp`, text)
    renameSync(`${target}.tmp`, target)
  }
  return md
}

let done = 0
for (const c of comparisons) {
  const reps = c.repeat ?? repeat
  const rfOut: Json[] = []
  const anOut: Json[] = []
  const loads: number[] = []
  for (let r = 0; r < reps; r++) {
    const order: Array<'rf' | 'an'> = r % 2 === 0 ? ['an', 'rf'] : ['rf', 'an']
    for (const side of order) {
      const job = side === 'rf' ? c.recforge : c.anchor
      if (!job || (side === 'an' && c.missing)) continue
      const seeded = c.seeds ? withSeed(job, c.seeds[r % c.seeds.length]!, side) : job
      let result: { out: Json; load: number }
      try {
        result = runJob(seeded)
      } catch (e) {
        if (side === 'rf') throw e
        // an anchor that fails is reported as missing, with its error, and not run again
        c.missing = `the anchor failed: ${String((e as Error).message).split('\n')[0]!.slice(0, 160)}`
        anOut.length = 0
        continue
      }
      loads.push(result.load)
      ;(side === 'rf' ? rfOut : anOut).push(result.out)
      process.stderr.write(`[anchors] ${c.name} | ${side === 'rf' ? 'RecForge' : c.anchorName} rep ${r + 1}: ${JSON.stringify(result.out).slice(0, 300)}\n`)
    }
  }
  rows.push(...summarize(c, rfOut, anOut, Math.max(...loads)).map((row) => ({ ...row, runs: reps, date: runDate })))
  done++
  report.complete = done === comparisons.length
  writeReport()
}

/** NeuMF repetitions run different seeds on both sides (the quality target is the seed spread). */
function withSeed(job: Job, seed: number, side: 'rf' | 'an'): Job {
  if (side === 'rf') return { ...job, args: [...job.args.slice(0, -1), String(seed)] }
  return { ...job, args: [...job.args, '--seed', String(seed)] }
}

const md = writeReport()
process.stdout.write(md)

function toMarkdown(): string {
  const m = report.machine
  const f = (x: number | undefined, digits = 3) => (x === undefined || !Number.isFinite(x) ? '' : Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(digits))
  const lines = [
    '### anchors',
    '',
    `Command: \`${report.command}\` — ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${report.date.slice(0, 10)}. Medians of the interleaved repetitions in fresh processes (runs: how many per side); ratio = RecForge / anchor (below 1: RecForge takes less time; for QPS above 1: RecForge answers more queries). Settings: BPR ${bprEpochs} epochs, NeuMF ${neumfEpochs} epochs, synthetic vector sets of ${hnswN.toLocaleString('en-US')}${only ? `; only ${only.join(', ')}` : ''}${match ? `; comparisons matching /${match.source}/i` : ''}.${report.complete ? '' : ` **Partial: ${rows.length ? done : 0} of this run's ${report.comparisons} comparisons so far.**`}${kept.length ? ` ${kept.length} rows are kept from earlier runs (their date in the run column).` : ''}`,
    '',
    '| comparison | anchor | figure | RecForge | anchor | ratio | quality RecForge | quality anchor | runs | load | run |',
    '|---|---|---|---:|---:|---:|---|---|---:|---:|---|',
    ...report.rows.map((r) => {
      const when = (r.date ?? report.date).slice(0, 16).replace('T', ' ')
      return r.missing
        ? `| ${r.name} | ${r.anchorName} | ${r.figure} | ${f(r.recforge)} | missing: ${r.missing} |  |  |  | ${r.runs ?? ''} | ${f(r.load, 2)} | ${when} |`
        : `| ${r.name} | ${r.anchorName} | ${r.figure} | ${f(r.recforge)} | ${f(r.anchor)} | **${f(r.ratio)}** | ${r.qualityRecforge ?? ''} | ${r.qualityAnchor ?? ''} | ${r.runs ?? ''} | ${f(r.load, 2)} | ${when} |`
    }),
    '',
    '- load: the highest 1-minute load average seen before a run of the row (2 cores; the benchmark itself adds up to its thread count); rows above 2.5 were measured while other work ran. run: when the run that measured the row started (UTC).',
    '- ALS: implicit weights an entry by its value and RecForge by 1 + alpha · value; implicit gets the matrix 1 + value (alpha 1), so both solve the same equations with 3 conjugate-gradient steps per row. s/iteration and s/epoch: medians over the steps after the first, from each library\'s own progress callback; ndcg@10 on the holdout-full test part (training items excluded), computed the same way on both sides.',
    '- CPU s/iteration and s/epoch: the process CPU seconds (user + system, all threads) per step, medians as above; with one thread the figure least moved by other work on the machine, with more threads it also counts time a thread spends waiting for the others (OpenMP spins for a while before it sleeps).',
    '- BPR: both with learning rate 0.05, l2 0.01, verified negatives; implicit stores its item bias as a 65th factor.',
    '- mf/svdpp: Surprise and RecForge read the same 5 folds (RecForge from CSR files, Surprise from CSV files of the same pairs); figure = median over runs of the mean fit seconds per fold; quality = mean RMSE over the folds.',
    '- HNSW: M 16, efConstruction 200, queries one at a time on one thread; the QPS ratio compares RecForge with the anchor at equal recall@10 (the anchor\'s QPS interpolated, log-linearly, at each of RecForge\'s recall points within the anchor\'s range; the figure is the median over those points, and the worst one is listed). hnswlib (Python) is queried with knn_query one query per call; its batch call on one thread (no Python loop) is reported in the JSON as qpsBatch.',
    '- EASE: numpy forms the dense item Gram matrix X^T X, inverts G + lambda I with np.linalg.inv (OpenBLAS, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for that command) and scales the columns; RecForge runs its default solver (auto: the Woodbury identity over the 6,040 × 6,040 user Gram matrix where that is cheaper, as at 10,000 items).',
    '- NeuMF: the same loo-sampled split (seed 42); each repetition runs another seed (42, 1, 2) on both sides; quality = median HR@10 / NDCG@10 over the seeds, with their range.',
    '',
  ]
  return lines.join('\n')
}

