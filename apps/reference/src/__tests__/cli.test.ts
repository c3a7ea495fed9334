import { describe, expect, it } from 'vitest'
import { runCli } from './helpers'

const REQUIRED = ['dataset', 'protocol', 'model', 'params', 'seed', 'metrics', 'folds', 'timing', 'backend', 'version'] as const

describe('recforge evaluate', () => {
  it('prints exactly one JSON object with the EVAL.md keys, and the same seed gives the same numbers', async () => {
    const args = ['evaluate', '--data', 'synthetic:small', '--model', 'itemknn', '--protocol', 'holdout-full', '--seed', '7', '--json']
    const a = await runCli(args)
    expect(a.code, a.stderr).toBe(0)
    const lines = a.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const out = JSON.parse(lines[0]!)
    for (const key of REQUIRED) expect(out).toHaveProperty(key)
    expect(out.protocol).toBe('holdout-full')
    expect(out.model).toBe('itemknn')
    expect(out.seed).toBe(7)
    for (const key of ['precision@10', 'recall@10', 'ndcg@10', 'map@10', 'mrr@10', 'hr@10', 'coverage@10', 'novelty@10']) expect(out.metrics).toHaveProperty(key)
    expect(out.metrics['ndcg@10']).toBeGreaterThan(0)
    expect(out.usersEvaluated).toBeGreaterThan(0)
    expect(typeof out.timing.fitSeconds).toBe('number')
    expect(out.backend).toBe('typescript')
    const b = await runCli(args)
    expect(JSON.parse(b.stdout).metrics).toEqual(out.metrics)
  }, 120_000)

  it('runs pop on the built-in MovieLens dataset', async () => {
    const r = await runCli(['evaluate', '--data', 'builtin', '--model', 'pop', '--protocol', 'holdout-full', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.dataset).toBe('movielens-latest')
    expect(out.usersEvaluated + out.usersSkipped).toBe(610)
    expect(out.metrics['hr@10']).toBeGreaterThan(0.2)
  }, 120_000)

  it('explains bad input on stderr with exit code 2 and prints nothing on stdout', async () => {
    const cases: [string[], RegExp][] = [
      [['evaluate', '--data', 'synthetic:small', '--model', 'nope', '--protocol', 'holdout-full', '--json'], /unknown model "nope"/],
      [['evaluate', '--data', 'synthetic:small', '--model', 'pop', '--protocol', 'bogus', '--json'], /unknown protocol "bogus"/],
      [['evaluate', '--data', 'synthetic:small', '--model', 'itemknn', '--protocol', 'holdout-full', '--set', 'nosuch=1', '--json'], /unknown parameter "nosuch"; its parameters are neighbors/],
      [['evaluate', '--data', 'synthetic:small', '--model', 'pop', '--protocol', 'rating-holdout', '--json'], /does not predict ratings/],
      [['evaluate', '--model', 'pop', '--protocol', 'holdout-full'], /--data is required/],
      [['evaluate', '--data', 'csv:/nonexistent/file.csv', '--model', 'pop', '--protocol', 'holdout-full'], /nonexistent/],
      [['frobnicate'], /unknown command/],
      [['evaluate', '--bogus-flag'], /bogus-flag/],
    ]
    for (const [args, re] of cases) {
      const r = await runCli(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(re)
      expect(r.stdout).toBe('')
    }
  }, 120_000)
})

describe('loader flags', () => {
  it('--on-bad-row skip, --duplicates, --rating-range and --trim-ids reach the loader, and the JSON says what it did', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const path = await import('node:path')
    const dir = await mkdtemp(path.join(tmpdir(), 'recforge-flags-'))
    try {
      const rows = ['user,item,rating,timestamp']
      for (let u = 0; u < 40; u++) for (let i = 0; i < 12; i++) rows.push(`u${u},i${(u * 7 + i) % 30},${1 + ((u + i) % 5)},${1000 + u * 20 + i}`)
      rows.push('u1,i1,oops,5', 'u2 ,i1,4,6', 'u3,i2,-99999,7', 'u0,i0,5,8')
      const file = path.join(dir, 'r.csv')
      await writeFile(file, rows.join('\n') + '\n')
      const base = ['evaluate', '--data', `csv:${file}`, '--model', 'pop', '--protocol', 'holdout-full', '--json']
      const strict = await runCli(base)
      expect(strict.code).toBe(2)
      expect(strict.stderr).toMatch(/line 482: bad number.*--on-bad-row skip/)
      const r = await runCli([...base, '--on-bad-row', 'skip', '--duplicates', 'latest', '--rating-range', '1:5', '--trim-ids'])
      expect(r.code, r.stderr).toBe(0)
      const load = JSON.parse(r.stdout).load[0]
      // u0's second (u0, i0) row is merged into the first; "u2 " is trimmed
      expect(load).toMatchObject({ rowsRead: 484, rowsKept: 482, skipped: { 'bad number': 1, 'value below 1': 1 }, merged: 1, trimmed: 1, valueRange: { min: -99999, max: 5 } })
      expect(r.stderr).toContain('r.csv: kept 482 of 484 rows; skipped 1 (bad number), 1 (value below 1); merged 1 repeated (user, item) rows; trimmed 1 ids; values -99999..5')
      const bad = await runCli([...base, '--on-bad-row', 'maybe'])
      expect(bad.stderr).toMatch(/--on-bad-row expects error or skip/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 120_000)
})

describe('recforge models and datasets', () => {
  it('lists registered models with parameters and defaults', async () => {
    const r = await runCli(['models', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const list = JSON.parse(r.stdout) as { name: string; params: Record<string, { default: unknown }> }[]
    const names = list.map((m) => m.name)
    for (const n of ['pop', 'itemknn', 'ease']) expect(names).toContain(n)
    for (const m of list) for (const p of Object.values(m.params)) expect(p).toHaveProperty('default')
  })
  it('lists dataset specs and finds the built-in data', async () => {
    const r = await runCli(['datasets', '--json'])
    const list = JSON.parse(r.stdout) as { spec: string; available?: boolean }[]
    expect(list.find((d) => d.spec === 'builtin')?.available).toBe(true)
  })
  it('prints help for every command', async () => {
    for (const c of ['evaluate', 'models', 'datasets', 'demo']) {
      const r = await runCli([c, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/Usage: recforge/)
    }
  })
})

describe('recforge evaluate --protocol replay', () => {
  it('replays a bandit policy on logged events built from the ratings, reproducibly', async () => {
    const args = ['evaluate', '--data', 'builtin', '--model', 'thompson', '--protocol', 'replay', '--set', 'maxEvents=20000', '--json']
    const a = await runCli(args)
    expect(a.code, a.stderr).toBe(0)
    const out = JSON.parse(a.stdout)
    expect(out.protocol).toBe('replay')
    expect(out.metrics.eventsTotal).toBe(20000)
    expect(out.metrics.eventsUsed).toBeGreaterThan(0)
    expect(out.metrics.eventsUsed).toBeLessThan(out.metrics.eventsTotal)
    expect(out.metrics.ctr).toBeGreaterThanOrEqual(0)
    expect(out.metrics.ctr).toBeLessThanOrEqual(1)
    expect(out.metrics.loggingCtr).toBeGreaterThan(0)
    expect(out.params.maxEvents).toBe(20000)
    const b = await runCli(args)
    expect(JSON.parse(b.stdout).metrics).toEqual(out.metrics)
    const bad = await runCli(['evaluate', '--data', 'builtin', '--model', 'ease', '--protocol', 'replay'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/bandit policies.*ucb1/)
  }, 120_000)
})

describe('recforge train, recommend, similar, compare', () => {
  it('saves models, then answers from them with titles', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const path = await import('node:path')
    const dir = await mkdtemp(path.join(tmpdir(), 'recforge-cli-'))
    try {
      const t = await runCli(['train', '--data', 'builtin', '--models', 'pop,itemknn', '--model-dir', dir, '--json'])
      expect(t.code, t.stderr).toBe(0)
      const current = (await readFile(path.join(dir, 'CURRENT'), 'utf8')).trim()
      expect(current).toBe('g-000001')
      const manifest = JSON.parse(await readFile(path.join(dir, 'generations', current, 'manifest.json'), 'utf8'))
      expect(manifest.models.map((m: { name: string }) => m.name)).toEqual(['pop', 'itemknn'])
      // one load report per file read: the ratings are the interactions, kept whole
      const report = JSON.parse(t.stdout)
      expect(report.generation).toBe('g-000001')
      expect(report.load.find((l: { interactions?: boolean }) => l.interactions)).toMatchObject({ file: expect.stringMatching(/ratings\.csv$/), rowsRead: 100836, rowsKept: 100836, skipped: {} })
      const r = await runCli(['recommend', '--user', '1', '--model', 'itemknn', '--k', '5', '--model-dir', dir, '--json'])
      expect(r.code, r.stderr).toBe(0)
      const rec = JSON.parse(r.stdout)
      expect(rec.items).toHaveLength(5)
      expect(rec.items[0].title).toEqual(expect.any(String))
      const s = await runCli(['similar', '--item', '1', '--model', 'itemknn', '--k', '3', '--model-dir', dir, '--json'])
      expect(s.code, s.stderr).toBe(0)
      const sim = JSON.parse(s.stdout)
      expect(sim.items).toHaveLength(3)
      expect(sim.items.map((x: { id: string }) => x.id)).not.toContain('1')
      const unknown = await runCli(['recommend', '--user', 'no-such-user', '--model-dir', dir])
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toMatch(/unknown user "no-such-user"/)
      // a bad bandit policy is refused before any training
      const badBandit = await runCli(['demo', '--models', 'pop', '--bandit', 'nosuch', '--no-serve', '--model-dir', dir])
      expect(badBandit.code).toBe(2)
      expect(badBandit.stderr).toMatch(/--bandit: unknown policy "nosuch".*thompson/)
      expect(badBandit.stderr).not.toMatch(/Loading/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 180_000)

  it('compares models on one split with paired tests', async () => {
    const r = await runCli(['compare', '--data', 'synthetic:small', '--models', 'pop,itemknn', '--protocol', 'holdout-full', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.rows.map((x: { model: string }) => x.model)).toEqual(['pop', 'itemknn'])
    expect(out.tests).toHaveLength(1)
    const t = out.tests[0]
    expect(t.metric).toBe('ndcg@10')
    expect(t.diff).toBeCloseTo(out.rows[1].metrics['ndcg@10'] - out.rows[0].metrics['ndcg@10'], 5)
    expect(t.ci95[0]).toBeLessThanOrEqual(t.diff)
    expect(t.ci95[1]).toBeGreaterThanOrEqual(t.diff)
    expect(t.pValue).toBeGreaterThanOrEqual(0)
    expect(t.pValue).toBeLessThanOrEqual(1)
  }, 120_000)
})
