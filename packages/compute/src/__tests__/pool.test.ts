import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createPool, resolveThreads, splitEven, toShared, withPool, type KernelPool } from '../index'
import { testKernels } from './fixtures/kernels'
import { kernelsWorker } from './fixtures/kernels.worker.generated'

type Pool = KernelPool<typeof testKernels>

const start = (threads: number, script = kernelsWorker): Promise<Pool> => createPool({ kernels: testKernels, script, threads })

/** Runs every kernel that has a result on `pool` over four row ranges and returns what they wrote and returned. */
async function work(pool: Pool) {
  const n = 1000
  const bounds = splitEven(n, 4)
  const ranges = Array.from({ length: 4 }, (_, p) => ({ start: bounds[p]!, end: bounds[p + 1]! }))
  const out = toShared(new Float64Array(n), pool.shared)
  await pool.run('fill', ranges.map((r) => ({ ...r, out, seed: 7, factor: 2 })))
  const rows = new Float64Array(n * 5)
  for (let r = 0; r < n; r++) rows.set([4 + (r % 5), 1 + (r % 3) / 2, 3 + (r % 7), out[r]!, 1], r * 5)
  const solved = await pool.run('solve', ranges.map((r) => ({ ...r, rows })))
  const best = await pool.run('best', ranges.map((r) => ({ ...r, scores: out, k: 5 })))
  return { out: Array.from(out), solved: solved.flatMap((s) => Array.from(s.x)), best: best.map((b) => Array.from(b)) }
}

describe('KernelPool', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('runs tasks on the calling thread and on workers, with the same results for 1 and 2 threads', async () => {
    const one = await start(1)
    const two = await start(2)
    try {
      expect(one.threads).toBe(1)
      expect(two.threads).toBe(2)
      expect(two.shared).toBe(true)
      expect(await one.run('where', [undefined as never, undefined as never])).toEqual(['caller', 'caller'])
      expect(await two.run('where', [undefined as never, undefined as never, undefined as never])).toEqual(['caller', 'worker', 'caller'])
      const a = await work(one)
      const b = await work(two)
      expect(b).toEqual(a)
      // the 2 x 2 solve of row 0: [[4, 1], [1, 3]] x = [out[0], 1]
      const x1 = (4 * 1 - a.out[0]!) / 11
      expect(a.solved[0]).toBeCloseTo((a.out[0]! - x1) / 4, 12)
      expect(a.solved[1]).toBeCloseTo(x1, 12)
      // the best 5 of the first range really are its largest values
      const first = a.out.slice(0, 250).map((v, i) => [v, i] as const).sort((p, q) => q[0] - p[0]).slice(0, 5).map(([, i]) => i)
      expect(a.best[0]).toEqual(first)
    } finally {
      await one.close()
      await two.close()
    }
  })

  it('falls back to one thread, with the same results, when SharedArrayBuffer is hidden', async () => {
    const ref = await start(1)
    const expected = await work(ref)
    await ref.close()
    vi.stubGlobal('SharedArrayBuffer', undefined)
    const pool = await start(2)
    try {
      expect(pool.threads).toBe(1)
      expect(pool.shared).toBe(false)
      expect(await work(pool)).toEqual(expected)
    } finally {
      await pool.close()
    }
  })

  it('falls back to one thread when a worker cannot start or serves other kernels', async () => {
    for (const code of ['throw new Error("no workers here")', 'process.exit(3)', '/* never reports ready */']) {
      const pool = await createPool({ kernels: testKernels, script: { name: 'broken', code }, threads: 2, startTimeoutMs: 2000 })
      expect(pool.threads).toBe(1)
      expect(await pool.run('where', [undefined as never])).toEqual(['caller'])
      await pool.close()
    }
    const more = { ...testKernels, extra: () => 1 }
    const pool = await createPool({ kernels: more, script: kernelsWorker, threads: 2 })
    expect(pool.threads).toBe(1)
    await pool.close()
  })

  it('turns a kernel that throws on a worker into a RecForgeError naming the kernel; a RecForgeError keeps its code', async () => {
    const pool = await start(2)
    try {
      const run = pool.run('fail', [{ message: 'x', onlyOnWorker: true }, { message: 'row 17 is broken', onlyOnWorker: true }])
      await expect(run).rejects.toMatchObject({ name: 'RecForgeError', code: 'BACKEND_UNAVAILABLE' })
      await expect(run).rejects.toThrow(/kernel "fail" failed on worker thread 1 \(@recforge\/compute\/src\/__tests__\/fixtures\/kernels\.worker\.ts\): Error: row 17 is broken/)
      const refused = pool.run('refuse', [{ value: 1 }, { value: -2 }])
      await expect(refused).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('kernel "refuse"') })
      await expect(refused).rejects.toThrow('value must be positive; got -2')
      // the pool still works after a kernel failed
      expect(await pool.run('where', [undefined as never, undefined as never])).toEqual(['caller', 'worker'])
      // a task on the calling thread throws the kernel's own error
      await expect(pool.run('fail', [{ message: 'here' }])).rejects.toThrow(/^here$/)
    } finally {
      await pool.close()
    }
  })

  it('reports a worker that crashes, naming the kernel, and refuses work afterwards', async () => {
    const pool = await start(2)
    await expect(pool.run('quit', [{ code: 0 }, { code: 5 }])).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      message: expect.stringMatching(/kernel "quit" did not finish: worker thread 1 of .* exited with code 5/),
    })
    await expect(pool.run('where', [undefined as never])).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringContaining('cannot run kernel "where"') })
    await pool.close()
    await expect(pool.run('where', [undefined as never])).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringContaining('the pool is closed') })
  })

  it('withPool hands over the pool while it starts and closes it, also when the work throws', async () => {
    const threads = await resolveThreads(2, { work: 0, minWork: 1 })
    let seen: Pool | undefined
    const where = await withPool({ kernels: testKernels, script: kernelsWorker, threads }, async (starting) => {
      const prepared = splitEven(10, 2) // work done here overlaps the workers' start-up
      seen = await starting
      expect(prepared[1]).toBe(5)
      return seen.run('where', [undefined as never, undefined as never])
    })
    expect(where).toEqual(['caller', 'worker'])
    await expect(seen!.run('where', [undefined as never])).rejects.toMatchObject({ message: expect.stringContaining('the pool is closed') })
    await expect(
      withPool({ kernels: testKernels, script: kernelsWorker, threads }, async () => {
        throw new Error('preparation failed')
      }),
    ).rejects.toThrow('preparation failed')
  })

  it('starts workers from TypeScript sources loaded by tsx (as the benchmarks run)', () => {
    const script = fileURLToPath(new URL('./fixtures/tsxRun.ts', import.meta.url))
    const root = fileURLToPath(new URL('../../../..', import.meta.url))
    const out = execFileSync(process.execPath, ['--conditions=@recforge/source', '--import', 'tsx', script], { cwd: root, encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual({ threads: 2, where: ['caller', 'worker'], sum: 6 })
  })
})
