import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** One measured case of a benchmark suite. */
export interface BenchCase {
  /** A short, stable name, e.g. `ALS fit, 1M synthetic, 64 factors`. */
  name: string
  /** Runs once; returns extra measured figures (recall, RMSE, peak memory...) to report beside the time. */
  run: () => Promise<Record<string, number> | void> | Record<string, number> | void
  /** Runs before each repetition, untimed. */
  setup?: () => Promise<void> | void
  /** How many timed repetitions. Defaults to `5`. */
  repeat?: number
  /** Untimed warm-up runs. Defaults to `1`. */
  warmup?: number
}

export interface BenchRow {
  name: string
  repeat: number
  medianSeconds: number
  minSeconds: number
  maxSeconds: number
  /** Medians of the figures each run returned. */
  figures: Record<string, number>
}

export interface BenchReport {
  suite: string
  command: string
  date: string
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string }
  rows: BenchRow[]
  notes?: string[]
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** Machine description written next to every result. */
export function machineInfo(): BenchReport['machine'] {
  const cpus = os.cpus()
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  }
}

/** Options of {@link runSuite}. */
export interface SuiteOptions {
  /** The command that reproduces the run, written with the results. */
  command: string
  /** Lines written under the table. Defaults to none. */
  notes?: string[]
  /** Where the results go. Defaults to `bench/results` at the repository root. */
  resultsDir?: string
  /** Ends the notes with the load averages at the start of the run and when the report is written. Defaults to `false`. */
  recordLoad?: boolean
  /**
   * Keep the rows of the suite's earlier results that this run does not repeat (a row of the same
   * name is replaced in place, new rows come after), so a run of some cases updates the table
   * instead of replacing it. `keepNote` says which earlier notes stay (default: those this run
   * does not write again). Defaults to none: the results hold this run only.
   */
  merge?: { keepNote?: (note: string) => boolean }
}

function mergeEarlier(r: BenchReport, resultsDir: string | undefined, merge: NonNullable<SuiteOptions['merge']>): BenchReport {
  const file = path.join(resultsDir ?? path.join(findRoot(), 'bench', 'results'), `${r.suite}.json`)
  if (!existsSync(file)) return r
  let old: BenchReport
  try {
    old = JSON.parse(readFileSync(file, 'utf8')) as BenchReport
  } catch {
    return r
  }
  if (!Array.isArray(old.rows)) return r
  const fresh = new Map(r.rows.map((row) => [row.name, row]))
  const rows = old.rows.map((row) => fresh.get(row.name) ?? row)
  const kept = old.rows.filter((row) => !fresh.has(row.name)).length
  for (const row of r.rows) if (!old.rows.some((o) => o.name === row.name)) rows.push(row)
  const newNotes = new Set(r.notes ?? [])
  const keepNote = merge.keepNote ?? ((n: string) => !newNotes.has(n))
  const oldNotes = (old.notes ?? []).filter((n) => !n.startsWith('partial: ') && !n.startsWith('rows of an earlier run kept') && !newNotes.has(n) && keepNote(n))
  const since = (old.notes ?? []).map((n) => /^rows of an earlier run kept .*\(from the run of (\S+) or before\)$/.exec(n)?.[1]).find(Boolean) ?? old.date.slice(0, 10)
  const keptNote = kept ? [`rows of an earlier run kept as they were: ${kept} (from the run of ${since} or before)`] : []
  return { ...r, rows, notes: [...(r.notes ?? []), ...oldNotes, ...keptNote] }
}

/** The 1, 5 and 15 minute load averages to one decimal, e.g. `1.9, 1.4, 1.2`. */
export function loadAverages(): string {
  return os.loadavg().map((x) => x.toFixed(1)).join(', ')
}

/**
 * Runs a suite: each case `warmup` times untimed, then `repeat` times timed; reports medians.
 * Writes `bench/results/<suite>.json` and `.md` at the repository root (atomically) and prints the table;
 * after each case but the last it writes what ran so far, marked partial in the notes.
 */
export async function runSuite(suite: string, cases: BenchCase[], opts: SuiteOptions): Promise<BenchReport> {
  const rows: BenchRow[] = []
  const loadAtStart = loadAverages()
  const notes = (): string[] | undefined => {
    if (!opts.recordLoad) return opts.notes
    const load = `Measured on the shared ${os.cpus().length}-core machine, load average ${loadAtStart} (1, 5, 15 min) at the start and ${loadAverages()} at the end: wall times are upper bounds when other work runs.`
    return [...(opts.notes ?? []), load]
  }
  for (const c of cases) {
    const repeat = c.repeat ?? 5
    for (let i = 0; i < (c.warmup ?? 1); i++) {
      await c.setup?.()
      await c.run()
    }
    const times: number[] = []
    const figs: Record<string, number[]> = {}
    for (let i = 0; i < repeat; i++) {
      await c.setup?.()
      const t0 = process.hrtime.bigint()
      const out = await c.run()
      times.push(Number(process.hrtime.bigint() - t0) / 1e9)
      if (out) for (const [k, v] of Object.entries(out)) (figs[k] ??= []).push(v)
    }
    const row: BenchRow = {
      name: c.name,
      repeat,
      medianSeconds: median(times),
      minSeconds: Math.min(...times),
      maxSeconds: Math.max(...times),
      figures: Object.fromEntries(Object.entries(figs).map(([k, v]) => [k, median(v)])),
    }
    rows.push(row)
    process.stderr.write(`[${suite}] ${row.name}: median ${row.medianSeconds.toFixed(4)} s ${JSON.stringify(row.figures)}\n`)
    // what ran so far survives a run that is stopped or fails later
    if (rows.length < cases.length) {
      const partial = `partial: ${rows.length} of ${cases.length} cases so far`
      const part: BenchReport = { suite, command: opts.command, date: new Date().toISOString(), machine: machineInfo(), rows: [...rows], notes: [partial, ...(notes() ?? [])] }
      writeReport(opts.merge ? mergeEarlier(part, opts.resultsDir, opts.merge) : part, opts.resultsDir, false)
    }
  }
  const done: BenchReport = { suite, command: opts.command, date: new Date().toISOString(), machine: machineInfo(), rows, notes: notes() }
  const report = opts.merge ? mergeEarlier(done, opts.resultsDir, opts.merge) : done
  writeReport(report, opts.resultsDir)
  return report
}

/** Renders a report as a Markdown table. */
export function toMarkdown(r: BenchReport): string {
  const figKeys = [...new Set(r.rows.flatMap((row) => Object.keys(row.figures)))]
  const head = `| case | median s | min s | max s | runs |${figKeys.map((k) => ` ${k} |`).join('')}`
  const sep = `|---|---:|---:|---:|---:|${figKeys.map(() => '---:|').join('')}`
  const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3))
  const lines = r.rows.map(
    (row) => `| ${row.name} | ${fmt(row.medianSeconds)} | ${fmt(row.minSeconds)} | ${fmt(row.maxSeconds)} | ${row.repeat} |${figKeys.map((k) => ` ${row.figures[k] === undefined ? '' : fmt(row.figures[k]!)} |`).join('')}`,
  )
  const m = r.machine
  return [
    `### ${r.suite}`,
    '',
    `Command: \`${r.command}\` — ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${r.date.slice(0, 10)}.`,
    '',
    head,
    sep,
    ...lines,
    ...(r.notes?.length ? ['', ...r.notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n')
}

function findRoot(): string {
  let dir = process.cwd()
  for (;;) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir
    const up = path.dirname(dir)
    if (up === dir) return process.cwd()
    dir = up
  }
}

function writeReport(r: BenchReport, resultsDir?: string, print = true): void {
  const dir = resultsDir ?? path.join(findRoot(), 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  for (const [ext, text] of [['json', JSON.stringify(r, null, 2) + '\n'], ['md', toMarkdown(r)]] as const) {
    const file = path.join(dir, `${r.suite}.${ext}`)
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, text)
    renameSync(tmp, file)
  }
  if (print) process.stdout.write(toMarkdown(r) + '\n')
}

/** Peak resident memory of this process so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024
}

/** What {@link ratingErrors} reads of a model: the scores of some items for a user. */
export interface RatingScorer {
  score(user: number, items: Int32Array): Float32Array
}

/** Held-out ratings as CSR by user, over the training vocabularies. */
export interface HeldOutRatings {
  readonly users: { readonly size: number }
  readonly indptr: Int32Array
  readonly indices: Int32Array
  readonly values: Float32Array
}

/** RMSE and MAE of a rating model over every held-out (user, item, rating) of `test`. */
export function ratingErrors(model: RatingScorer, test: HeldOutRatings): { rmse: number; mae: number } {
  let se = 0
  let ae = 0
  let n = 0
  for (let u = 0; u < test.users.size; u++) {
    const a = test.indptr[u]!
    const b = test.indptr[u + 1]!
    if (a === b) continue
    const pred = model.score(u, test.indices.subarray(a, b))
    for (let e = a; e < b; e++) {
      const err = pred[e - a]! - test.values[e]!
      se += err * err
      ae += Math.abs(err)
      n++
    }
  }
  return { rmse: Math.sqrt(se / n), mae: ae / n }
}
