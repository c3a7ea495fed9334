import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { runDemo } from '../demo'
import { LOG_LINE_INTERVAL_MS, ProgressReporter } from '../progress'
import { getJson, testRegistry } from './helpers'

function sink(tty: boolean) {
  const lines: string[] = []
  const stream = { isTTY: tty, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream
  return { lines, stream }
}

afterEach(() => vi.useRealTimers())

describe('progress on a stream that is not a terminal', () => {
  it('prints at most one line per task every few seconds, however many ticks and stages arrive', () => {
    vi.useFakeTimers({ now: 1_000_000 })
    const { lines, stream } = sink(false)
    const r = new ProgressReporter('als', false, stream)
    for (let epoch = 0; epoch < 5; epoch++) for (let b = 1; b <= 500; b++) r.onProgress({ stage: b % 2 ? 'batch' : 'epoch', current: b, total: 500 })
    expect(lines).toHaveLength(1)
    vi.advanceTimersByTime(LOG_LINE_INTERVAL_MS - 1)
    r.onProgress({ stage: 'epoch', current: 7, total: 10 })
    expect(lines).toHaveLength(1)
    vi.advanceTimersByTime(1)
    r.onProgress({ stage: 'epoch', current: 8, total: 10 })
    expect(lines).toHaveLength(2)
    expect(lines[1]).toBe('als epoch [###################.....] 8/10\n')
    // another task has its own allowance; log lines always print
    const other = new ProgressReporter('bpr', false, stream)
    other.onProgress({ stage: 'epoch', current: 1, total: 10 })
    other.log('bpr: done')
    expect(lines.slice(2)).toEqual(['bpr epoch [##......................] 1/10\n', 'bpr: done\n'])
  })

  it('redraws a bar on a terminal at most ten times a second, and on every stage change', () => {
    vi.useFakeTimers({ now: 5_000 })
    const { lines, stream } = sink(true)
    const r = new ProgressReporter('mf', false, stream)
    for (let b = 1; b <= 100; b++) r.onProgress({ stage: 'epoch', current: b, total: 1000 })
    expect(lines).toHaveLength(1)
    r.onProgress({ stage: 'eval', current: 1, total: 10 })
    expect(lines).toHaveLength(2)
  })
})

describe('a first run that serves quickly', () => {
  it('serves the fast models first; the others join when trained, and GET /models says which are still training', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'recforge-demo-'))
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    let serving
    try {
      const out = await runDemo(
        { data: 'synthetic:small', protocol: 'holdout-full', models: ['pop', 'itemknn', 'ease'], k: 10, seed: 3, json: true, quiet: true, serve: true, port: 0, bandit: 'none', modelDir: dir },
        testRegistry(),
      )
      serving = out.serving!
      write.mockRestore()
      expect(out.rows.map((r) => r.model)).toEqual(['pop', 'itemknn'])
      const first = await getJson<{ models: { name: string }[]; training: string[] }>(`${serving.url}models`)
      expect(first.models.map((m) => m.name)).toEqual(['pop', 'itemknn'])
      expect(first.training).toEqual(['ease'])
      const missing = await fetch(`${serving.url}recommendations/${serving.service.users.id(0)}?model=ease`)
      expect(missing.status).toBe(404)
      expect(((await missing.json()) as { message: string }).message).toMatch(/"ease" is still training/)
      for (let t = 0; ; t++) {
        const listed = await getJson<{ models: { name: string }[]; training: string[] }>(`${serving.url}models`)
        if (!listed.training.length) {
          expect(listed.models.map((m) => m.name)).toEqual(['pop', 'itemknn', 'ease'])
          break
        }
        expect(t).toBeLessThan(600)
        await new Promise((r) => setTimeout(r, 100))
      }
      const report = await getJson<{ rows: { model: string; metrics: Record<string, number> }[] }>(`${serving.url}report`)
      expect(report.rows.map((r) => r.model)).toEqual(['pop', 'itemknn', 'ease'])
      expect(report.rows[2]!.metrics['ndcg@10']).toBeGreaterThan(0)
      expect((await fetch(`${serving.url}recommendations/${serving.service.users.id(0)}?model=ease`)).status).toBe(200)
    } finally {
      write.mockRestore()
      await serving?.close()
      await rm(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
