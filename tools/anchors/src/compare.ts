/** The comparison types of run.ts and the reduction of repeated runs to table rows. */
import { mean, median } from './stats'

/** One process to run: a command, its arguments, and optionally its folder and environment. */
export interface Job {
  cmd: string
  args: string[]
  cwd?: string
  env?: NodeJS.ProcessEnv
}

/** The JSON object a job printed (its last JSON line), with every JSON line it printed. */
export type Json = Record<string, unknown> & { lines?: Array<Record<string, unknown>> }

/** One comparison: the same data, both sides, several interleaved repetitions. */
export interface Comparison {
  group: 'mf' | 'similarity' | 'baselines' | 'ncf'
  /** How the figures of a run are read: per-step seconds, per-fold fits, ANN curves, one fit, NN epochs. */
  kind: 'step' | 'folds' | 'ann' | 'fit' | 'epochs'
  name: string
  anchorName: string
  stepUnit: string
  recforge: Job
  anchor: Job | undefined
  /** Why the anchor did not run. */
  missing?: string
  quality: string[]
  repeat?: number
  seeds?: number[]
}

/** One line of the table. */
export interface ResultRow {
  group: Comparison['group']
  name: string
  anchorName: string
  figure: string
  recforge: number
  anchor?: number
  /** RecForge / anchor: of times (lower is better) or of QPS (higher is better). */
  ratio?: number
  /** Whether a higher ratio is better (QPS). */
  higherIsBetter?: boolean
  qualityRecforge?: string
  qualityAnchor?: string
  missing?: string
  load: number
  /** Repetitions per side. */
  runs?: number
  /** When the run that measured the row started (ISO time). */
  date?: string
}

const num = (o: Json, key: string): number => {
  const v = o[key]
  if (typeof v !== 'number') throw new Error(`expected a number "${key}" in ${JSON.stringify(o).slice(0, 200)}`)
  return v
}
const nums = (o: Json, key: string): number[] => {
  const v = o[key]
  if (!Array.isArray(v)) throw new Error(`expected a list "${key}" in ${JSON.stringify(o).slice(0, 200)}`)
  return v as number[]
}
const fmt = (x: number) => x.toFixed(4)

interface CurvePoint {
  ef: number
  recall10: number
  qps: number
}

/** Median recall and QPS per ef over the runs. */
function medianCurve(runs: Json[]): CurvePoint[] {
  const byEf = new Map<number, { r: number[]; q: number[] }>()
  for (const run of runs)
    for (const p of run.points as CurvePoint[]) {
      const e = byEf.get(p.ef) ?? { r: [], q: [] }
      e.r.push(p.recall10)
      e.q.push(p.qps)
      byEf.set(p.ef, e)
    }
  return [...byEf.entries()].sort((a, b) => a[0] - b[0]).map(([ef, e]) => ({ ef, recall10: median(e.r), qps: median(e.q) }))
}

/**
 * The anchor's QPS at `recall`, log-linear between its two neighbouring points of the curve
 * (sorted by recall); undefined outside the curve's recall range.
 *
 * @example
 * interpolateQps([{ ef: 16, recall10: 0.8, qps: 1000 }, { ef: 32, recall10: 0.9, qps: 500 }], 0.85) // ≈ 707
 */
export function interpolateQps(curve: readonly CurvePoint[], recall: number): number | undefined {
  const c = [...curve].sort((a, b) => a.recall10 - b.recall10)
  for (let i = 0; i < c.length; i++) {
    const p = c[i]!
    if (Math.abs(p.recall10 - recall) < 1e-9) return p.qps
    const q = c[i + 1]
    if (q && p.recall10 < recall && recall < q.recall10) {
      const t = (recall - p.recall10) / (q.recall10 - p.recall10)
      return Math.exp(Math.log(p.qps) + t * (Math.log(q.qps) - Math.log(p.qps)))
    }
  }
  return undefined
}

const qualityText = (runs: Json[], keys: string[]): string | undefined => {
  if (!runs.length || !keys.length) return undefined
  return keys
    .map((k) => {
      const v = runs.map((r) => num(r, k))
      const lo = Math.min(...v)
      const hi = Math.max(...v)
      return `${k} ${fmt(median(v))}${hi - lo > 5e-5 ? ` (${fmt(lo)}–${fmt(hi)})` : ''}`
    })
    .join(', ')
}

/** The last epoch's figures of a PyTorch reference run (one JSON line per epoch), as one object. */
function torchRun(run: Json): Json {
  const lines = run.lines ?? [run]
  const last = lines[lines.length - 1]!
  const seconds = lines.map((l) => l.seconds as number)
  return { secondsPerStep: median(seconds.length > 2 ? seconds.slice(1) : seconds), 'hr@10': last['hr@10'], 'ndcg@10': last['ndcg@10'] }
}

/** Reduces the runs of one comparison to its table rows. */
export function summarize(c: Comparison, rf: Json[], an: Json[], load: number): ResultRow[] {
  const base = { group: c.group, name: c.name, anchorName: c.anchorName, load, ...(c.missing ? { missing: c.missing } : {}) }
  const ratio = (a: number, b: number | undefined) => (b === undefined ? {} : { anchor: b, ratio: a / b })
  switch (c.kind) {
    case 'step':
    case 'epochs': {
      const anRuns = c.kind === 'epochs' ? an.map(torchRun) : an
      const r = median(rf.map((o) => num(o, 'secondsPerStep')))
      const a = anRuns.length ? median(anRuns.map((o) => num(o, 'secondsPerStep'))) : undefined
      const rows: ResultRow[] = [{ ...base, figure: c.stepUnit, recforge: r, ...ratio(r, a), qualityRecforge: qualityText(rf, c.quality), qualityAnchor: qualityText(anRuns, c.quality) }]
      // process CPU seconds (all threads): on a loaded machine the wall time mostly measures the queue
      const cpu = (runs: Json[]) => (runs.length && runs.every((o) => typeof o.cpuSecondsPerStep === 'number') ? median(runs.map((o) => num(o, 'cpuSecondsPerStep'))) : undefined)
      const rc = cpu(rf)
      if (rc !== undefined) rows.push({ ...base, figure: `CPU ${c.stepUnit}`, recforge: rc, ...ratio(rc, cpu(anRuns)) })
      return rows
    }
    case 'folds': {
      const r = median(rf.map((o) => mean(nums(o, 'fitSecondsPerFold'))))
      const a = an.length ? median(an.map((o) => mean(nums(o, 'fitSecondsPerFold')))) : undefined
      const q = (runs: Json[]) => (runs.length ? `rmse ${fmt(median(runs.map((o) => mean(nums(o, 'rmsePerFold')))))}` : undefined)
      return [{ ...base, figure: c.stepUnit, recforge: r, ...ratio(r, a), qualityRecforge: q(rf), qualityAnchor: q(an) }]
    }
    case 'fit': {
      const r = median(rf.map((o) => num(o, 'fitSeconds')))
      const a = an.length ? median(an.map((o) => num(o, 'fitSeconds'))) : undefined
      const inv = (runs: Json[]) => (runs.length ? `invert ${median(runs.map((o) => num(o, 'invertSeconds') + (typeof o.woodburySeconds === 'number' ? o.woodburySeconds : 0))).toFixed(2)} s` : undefined)
      return [{ ...base, figure: c.stepUnit, recforge: r, ...ratio(r, a), qualityRecforge: inv(rf), qualityAnchor: inv(an) }]
    }
    case 'ann': {
      const r = median(rf.map((o) => num(o, 'buildSeconds')))
      const a = an.length ? median(an.map((o) => num(o, 'buildSeconds'))) : undefined
      const rows: ResultRow[] = [{ ...base, figure: c.stepUnit, recforge: r, ...ratio(r, a) }]
      // the all-threads build row repeats the 1-thread searches: its QPS row would say nothing new
      if (c.name.includes('build: RecForge 1 thread')) return rows
      const ours = medianCurve(rf)
      const theirs = an.length ? medianCurve(an) : []
      const matched = ours.flatMap((p) => {
        const q = interpolateQps(theirs, p.recall10)
        return q === undefined ? [] : [{ p, ratio: p.qps / q }]
      })
      const curve = (pts: CurvePoint[]) => pts.map((p) => `ef ${p.ef}: ${p.recall10.toFixed(3)} @ ${Math.round(p.qps)}`).join('; ')
      const worst = matched.length ? matched.reduce((w, m) => (m.ratio < w.ratio ? m : w)) : undefined
      rows.push({
        ...base,
        figure: 'QPS at equal recall@10',
        recforge: median(ours.map((p) => p.qps)),
        ...(matched.length ? { anchor: median(ours.map((p) => p.qps)) / median(matched.map((m) => m.ratio)), ratio: median(matched.map((m) => m.ratio)) } : {}),
        higherIsBetter: true,
        qualityRecforge: `recall @ qps: ${curve(ours)}${worst ? `; worst ratio ${worst.ratio.toFixed(2)} at recall ${worst.p.recall10.toFixed(3)}` : ''}`,
        qualityAnchor: theirs.length ? curve(theirs) : undefined,
      })
      return rows
    }
  }
}
