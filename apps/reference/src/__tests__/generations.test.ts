import { spawn } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isRecForgeError } from '@recforge/core'
import { generateSynthetic } from '@recforge/data'
import { cleanModelDir, currentGeneration, dataFingerprint, readGeneration, writeGeneration, type GenerationManifest } from '../generations'
import { testRegistry } from './helpers'

const registry = testRegistry()
const here = path.dirname(fileURLToPath(import.meta.url))
const appDir = path.resolve(here, '..', '..')
let root: string

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'recforge-gen-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

/** Runs the fixture that writes a generation from synthetic data with `seed`, optionally killed at step `crashAt`. */
function writeInProcess(dir: string, seed: number, crashAt?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@recforge/source', '--import', 'tsx', path.join(here, 'fixtures', 'write-generation.ts'), dir, String(seed)], {
      cwd: appDir,
      env: { ...process.env, ...(crashAt !== undefined ? { RECFORGE_CRASH_AT: String(crashAt) } : {}) },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stderr }))
  })
}

const dataOf = (seed: number) => generateSynthetic({ users: 300, items: 200, interactions: 6000, seed }).interactions

async function failure(p: Promise<unknown>): Promise<Error & { code: string; location?: { file?: string } }> {
  try {
    await p
  } catch (e) {
    if (!isRecForgeError(e)) throw e
    return e as Error & { code: string; location?: { file?: string } }
  }
  throw new Error('expected a RecForgeError')
}

describe('a crash at every step of writing a generation', () => {
  it('leaves a folder that serves the old generation or the new one, and nothing half-written after cleaning', async () => {
    const pristine = path.join(root, 'pristine')
    const first = await writeInProcess(pristine, 1)
    expect(first.code, first.stderr).toBe(0)
    const expected = async (seed: number) => {
      const data = dataOf(seed)
      const { model } = registry.create('itemknn')
      await model.fit(data, { seed })
      return { fingerprint: dataFingerprint(data), lists: [0, 1, 2].map((u) => Array.from(model.recommend(u, { k: 5 }).items)) }
    }
    const old = await expected(1)
    const fresh = await expected(2)
    const seen = new Set<string>()
    let steps = 0
    // step n kills the writer at its n-th step; when a run completes, every step has been tried
    for (let n = 1; ; n += 2) {
      const runs = await Promise.all([n, n + 1].map(async (at) => {
        const dir = path.join(root, `crash-${at}`)
        await cp(pristine, dir, { recursive: true })
        return { at, dir, ...(await writeInProcess(dir, 2, at)) }
      }))
      for (const r of runs) {
        if (r.code === 0) continue
        expect(r.signal, r.stderr).toBe('SIGKILL')
        expect(r.stderr).toMatch(new RegExp(`crash injected at step ${r.at} `))
        steps = Math.max(steps, r.at)
        await cleanModelDir(r.dir)
        const leftovers = [...(await readdir(r.dir)), ...(await readdir(path.join(r.dir, 'generations')))].filter((f) => f.endsWith('.tmp'))
        expect(leftovers, `step ${r.at}`).toEqual([])
        const gen = await readGeneration(r.dir, registry)
        expect(['g-000001', 'g-000002'], `step ${r.at}`).toContain(gen.name)
        seen.add(gen.name)
        const want = gen.name === 'g-000001' ? old : fresh
        expect(gen.manifest.training.fingerprint).toBe(want.fingerprint)
        expect(gen.manifest.eventsThrough).toBe(gen.name === 'g-000001' ? 10 : 20)
        const knn = gen.models.find((m) => m.name === 'itemknn')!.model
        expect([0, 1, 2].map((u) => Array.from(knn.recommend(u, { k: 5 }).items)), `step ${r.at}`).toEqual(want.lists)
        expect(gen.models.map((m) => m.name)).toEqual(['pop', 'itemknn'])
      }
      if (runs.some((r) => r.code === 0)) break
      expect(n).toBeLessThan(40)
    }
    // a crash before the pointer switch serves the old generation, after it the new one
    expect(steps).toBeGreaterThanOrEqual(8)
    expect([...seen].sort()).toEqual(['g-000001', 'g-000002'])
  }, 180_000)
})

describe('reading a generation checks what it reads', () => {
  let dir: string
  let manifestFile: string
  let manifest: GenerationManifest
  beforeAll(async () => {
    dir = path.join(root, 'checked')
    const data = dataOf(3)
    const models = []
    for (const name of ['pop', 'itemknn']) {
      const { model, params } = registry.create(name)
      await model.fit(data, { seed: 3 })
      models.push({ name, model, params, trainedAt: new Date().toISOString() })
    }
    manifest = await writeGeneration(dir, { source: { data: 'synthetic:x', dataset: 'synthetic', protocol: 'full', seed: 3 }, data, eventsThrough: 0, models })
    manifestFile = path.join(dir, 'generations', manifest.generation, 'manifest.json')
  }, 60_000)

  const withManifest = async (edit: (m: GenerationManifest) => void, fn: () => Promise<void>) => {
    const text = await readFile(manifestFile, 'utf8')
    const m = JSON.parse(text) as GenerationManifest
    edit(m)
    await writeFile(manifestFile, JSON.stringify(m))
    try {
      await fn()
    } finally {
      await writeFile(manifestFile, text)
    }
  }

  it('refuses manifest entries outside the folder, or naming another model’s file', async () => {
    await withManifest(
      (m) => (m.models[1]!.file = '../../../outside.rfm'),
      async () => {
        const e = await failure(readGeneration(dir, registry))
        expect(e.message).toContain(manifestFile)
        expect(e.message).toMatch(/model "itemknn" names the file "..\/..\/..\/outside.rfm"; a model file must be a \*\.rfm file inside/)
      },
    )
    await withManifest(
      (m) => (m.models[1]!.file = 'pop.rfm'),
      async () => {
        expect((await failure(readGeneration(dir, registry))).message).toMatch(/two models name the file pop\.rfm/)
      },
    )
    await withManifest(
      (m) => (m.models = [{ ...m.models[1]!, file: 'pop.rfm' }]),
      async () => {
        const e = await failure(readGeneration(dir, registry))
        expect(e.location?.file).toMatch(/pop\.rfm$/)
        expect(e.message).toMatch(/holds a "pop" model; the manifest says "itemknn" is a "itemknn"/)
      },
    )
  })

  it('refuses a model file trained on other data, and a corrupt one, naming the file', async () => {
    const genDir = path.join(dir, 'generations', manifest.generation)
    const other = path.join(root, 'other')
    expect((await writeInProcess(other, 4)).code).toBe(0)
    const otherGen = (await currentGeneration(other))!
    const mine = await readFile(path.join(genDir, 'pop.rfm'))
    try {
      await cp(path.join(other, 'generations', otherGen, 'pop.rfm'), path.join(genDir, 'pop.rfm'))
      const e = await failure(readGeneration(dir, registry))
      expect(e.code).toBe('CHECKSUM_MISMATCH')
      expect(e.location?.file).toBe(path.join(genDir, 'pop.rfm'))
      expect(e.message).toMatch(/was trained on other data/)
      const bytes = Buffer.from(mine)
      bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff
      await writeFile(path.join(genDir, 'pop.rfm'), bytes)
      const c = await failure(readGeneration(dir, registry))
      expect(c.location?.file).toBe(path.join(genDir, 'pop.rfm'))
      expect(c.message).toContain(path.join(genDir, 'pop.rfm'))
    } finally {
      await writeFile(path.join(genDir, 'pop.rfm'), mine)
    }
    const dataFile = path.join(genDir, 'data.rfa')
    const data = await readFile(dataFile)
    try {
      const other2 = await readFile(path.join(other, 'generations', otherGen, 'data.rfa'))
      await writeFile(dataFile, other2)
      const e = await failure(readGeneration(dir, registry))
      expect(e.location?.file).toBe(dataFile)
      expect(e.message).toMatch(/does not match the manifest's checksums/)
    } finally {
      await writeFile(dataFile, data)
    }
    expect((await readGeneration(dir, registry)).name).toBe(manifest.generation)
  }, 60_000)

  it('removes temporary files of writers that are gone, and keeps those of running ones', async () => {
    const stale = ['.pop.rfm.999999.a1b2c3d4.tmp', '.CURRENT.999998.1700000000000.tmp']
    for (const f of stale) await writeFile(path.join(dir, f), 'partial')
    await mkdir(path.join(dir, 'generations', '.g-999997-1700000000000.tmp'))
    const live = `.bandit.rfa.${process.pid}.deadbeef.tmp`
    await writeFile(path.join(dir, live), 'in progress')
    const removed = await cleanModelDir(dir)
    expect(removed.map((p) => path.basename(p)).sort()).toEqual([...stale, '.g-999997-1700000000000.tmp'].sort())
    expect(await readdir(dir)).toContain(live)
    await rm(path.join(dir, live))
  })

  it('says what to do with a folder of the earlier layout', async () => {
    const legacy = path.join(root, 'legacy')
    await mkdir(legacy)
    await writeFile(path.join(legacy, 'manifest.json'), '{}')
    expect((await failure(readGeneration(legacy, registry))).message).toMatch(/layout of an earlier recforge.*run `recforge train`/)
  })
})
