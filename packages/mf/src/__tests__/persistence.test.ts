import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { RecForgeError, decodeArtifacts, encodeArtifacts } from '@recforge/core'
import { loadArtifactsFile, saveArtifactsFile } from '@recforge/core/node'
import { afterAll, describe, expect, it } from 'vitest'
import { ALS, BPR, MF, SVDpp, mfModels } from '../index'
import { plantedImplicit, plantedRatings } from './helpers'

const rd = plantedRatings({ users: 60, items: 40 })
const im = plantedImplicit({ users: 60, items: 40 })
let dir = ''

async function caught(fn: () => Promise<unknown>): Promise<RecForgeError> {
  try {
    await fn()
  } catch (e) {
    expect(e).toBeInstanceOf(RecForgeError)
    return e as RecForgeError
  }
  throw new Error('expected an error')
}

describe('save and load', () => {
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  const cases = [
    ['mf', () => new MF({ factors: 4, epochs: 5 }), rd.train],
    ['svdpp', () => new SVDpp({ factors: 4, epochs: 5 }), rd.train],
    ['als', () => new ALS({ factors: 4, iterations: 3 }), im.train],
    ['bpr', () => new BPR({ factors: 4, epochs: 5 }), im.train],
  ] as const

  for (const [name, create, data] of cases) {
    it(`${name}: file round trip (atomic, checksummed) gives identical scores, neighbours and fold-in`, async () => {
      dir ||= await mkdtemp(path.join(tmpdir(), 'recforge-mf-'))
      const m = create()
      await m.fit(data)
      const file = path.join(dir, `${name}.rfm`)
      await saveArtifactsFile(file, await m.save())
      expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([])
      const def = mfModels.find((d) => d.name === name)!
      const again = (await def.load(await loadArtifactsFile(file))) as typeof m
      const all = Int32Array.from({ length: data.items.size }, (_, i) => i)
      for (let u = 0; u < data.users.size; u += 5) expect(Array.from(again.score(u, all))).toEqual(Array.from(m.score(u, all)))
      expect(Array.from(again.similarItems(3, 5).items)).toEqual(Array.from(m.similarItems(3, 5).items))
      expect(Array.from(again.similarUsers(3, 5).items)).toEqual(Array.from(m.similarUsers(3, 5).items))
      const items = new Int32Array([0, 1, 2])
      expect(Array.from(again.foldIn(items).vector)).toEqual(Array.from(m.foldIn(items).vector))
      expect(again.vocabularies.items.id(0)).toBe(m.vocabularies.items.id(0))
      expect(again.config).toEqual(m.config)
    })
  }

  it('rejects corrupt files, other models\' artifacts and newer format versions', async () => {
    dir ||= await mkdtemp(path.join(tmpdir(), 'recforge-mf-'))
    const m = new ALS({ factors: 4, iterations: 2 })
    await m.fit(im.train)
    const a = await m.save()
    const file = path.join(dir, 'corrupt.rfm')
    const bytes = encodeArtifacts(a)
    bytes[bytes.length >> 1]! ^= 0xff
    await writeFile(file, bytes)
    expect((await caught(() => loadArtifactsFile(file))).code).toBe('CHECKSUM_MISMATCH')
    expect((await caught(() => BPR.load(a))).code).toBe('INVALID_ARGUMENT')
    expect((await caught(() => ALS.load({ ...a, formatVersion: 99 }))).code).toBe('UNSUPPORTED_VERSION')
    const { userFactors: _drop, ...rest } = a.tensors
    expect((await caught(() => ALS.load({ ...a, tensors: rest }))).code).toBe('PARSE_ERROR')
    const truncated = { ...a, tensors: { ...a.tensors, itemFactors: new Float32Array(3) } }
    expect((await caught(() => ALS.load(truncated))).code).toBe('PARSE_ERROR')
    // the binary container round-trips the same artifacts
    expect(decodeArtifacts(encodeArtifacts(a)).model).toBe('als')
    expect((await readFile(file)).length).toBe(bytes.length)
  })
})

describe('files saved before the parameters were renamed', () => {
  // saved by this package before lr, reg, lrBias, regBias and workers became learningRate, l2,
  // learningRateBias, l2Bias and threads (and before SVD++ dropped its always-true `biased`), each
  // fitted on the 12-user helpers' data with the old keys below
  const small = { ratings: plantedRatings({ users: 12, items: 8 }).train, implicit: plantedImplicit({ users: 12, items: 8 }).train }
  const cases = [
    ['mf', { factors: 2, epochs: 3, learningRate: 0.01, l2: 0.05, learningRateBias: 0.01, l2Bias: 0.1, initMean: 0, initStd: 0.1, biased: true, lrDecay: 1, validationFraction: 0, patience: 3, shuffle: true, seed: 42, precision: 'float64', wasm: true }, small.ratings],
    ['svdpp', { factors: 2, epochs: 3, learningRate: 0.01, l2: 0.02, learningRateBias: 0.02, l2Bias: 0.02, initMean: 0, initStd: 0.1, lrDecay: 1, validationFraction: 0, patience: 3, shuffle: true, seed: 42 }, small.ratings],
    ['als', { factors: 2, iterations: 2, l2: 0.05, alpha: 1, l2Scaling: 'none', solver: 'cg', cgSteps: 3, initStd: 0.01, wasm: true, threads: 1, seed: 42 }, small.implicit],
    ['bpr', { factors: 2, epochs: 3, learningRate: 0.03, l2: 0.02, sampling: 'uniform', popularityExponent: 0.75, verifyNegatives: true, initStd: 0.01, wasm: true, threads: 1, seed: 42 }, small.implicit],
  ] as const

  for (const [name, config, data] of cases) {
    it(`${name}: loads with the old keys under their new names, scoring as a refit with the new names does`, async () => {
      const file = fileURLToPath(new URL(`fixtures/${name}-old-keys.rfm`, import.meta.url))
      const a = await loadArtifactsFile(file)
      expect(Object.keys(a.config)).toEqual(expect.arrayContaining(name === 'als' || name === 'bpr' ? ['workers', 'reg'] : ['lr', 'reg', 'lrBias', 'regBias']))
      const def = mfModels.find((d) => d.name === name)!
      const loaded = await def.load(a)
      expect({ ...loaded.config }).toEqual(config)
      const refit = def.create(config as never)
      await refit.fit(data)
      const all = Int32Array.from({ length: data.items.size }, (_, i) => i)
      for (let u = 0; u < data.users.size; u++) expect(Array.from(loaded.score(u, all))).toEqual(Array.from(refit.score(u, all)))
    })
  }
})
