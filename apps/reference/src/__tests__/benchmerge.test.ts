import { mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runSuite, type BenchReport } from '@recforge/bench'

// bench/defaults.ts runs some models at a time; its results table must keep the others
describe('runSuite merge', () => {
  it('replaces rows it runs again, keeps the rest and their notes, and says which were kept', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'recforge-benchmerge-'))
    const quiet = { stdout: process.stdout.write }
    process.stdout.write = (() => true) as typeof process.stdout.write
    try {
      const c = (name: string, v: number) => ({ name, repeat: 1, warmup: 0, run: () => ({ v }) })
      await runSuite('s', [c('a', 1), c('b', 2), c('c', 3)], { command: 'x', resultsDir: dir, notes: ['head', 'a: old', 'b: old'] })
      await runSuite('s', [c('b', 20), c('d', 40)], { command: 'x', resultsDir: dir, notes: ['head', 'b: new'], merge: { keepNote: (n) => !n.startsWith('b:') } })
      const r = JSON.parse(readFileSync(path.join(dir, 's.json'), 'utf8')) as BenchReport
      expect(r.rows.map((row) => [row.name, row.figures['v']])).toEqual([['a', 1], ['b', 20], ['c', 3], ['d', 40]])
      expect(r.notes!.slice(0, 3)).toEqual(['head', 'b: new', 'a: old'])
      expect(r.notes![3]).toMatch(/^rows of an earlier run kept as they were: 2 \(from the run of \d{4}-\d\d-\d\d or before\)$/)
      expect(readFileSync(path.join(dir, 's.md'), 'utf8')).toContain('| d |')
      // without merge the table holds this run only
      await runSuite('s', [c('e', 5)], { command: 'x', resultsDir: dir })
      const only = JSON.parse(readFileSync(path.join(dir, 's.json'), 'utf8')) as BenchReport
      expect(only.rows.map((row) => row.name)).toEqual(['e'])
    } finally {
      process.stdout.write = quiet.stdout
    }
  })
})
