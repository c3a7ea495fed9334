import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ModelRegistry, RecForgeError, nnz, plantedFixture, resolveParams, type ModelArtifacts } from '@recforge/core'
import { describeModelDefinition, describeRecommender } from '@recforge/core/testing'
import { initBackend, tf } from '@recforge/tf'
import { GMF, MLP, NeuMF, gmfModel, mlpModel, ncfModels, neumfModel, type NeuMFConfig } from '../index'
import { trainingConfig } from '../params'

// Small networks for the 48-user planted fixture. Without a little weight decay GMF and NeuMF
// memorise the sampled negatives of so small a catalogue and lose the held-out item.
const training = { epochs: 40, batchSize: 64, learningRate: 0.01, negatives: 4 }
const gmfBase = { factors: 4, ...training }
const mlpBase = { layers: [16, 8, 4], ...training }
const base: Partial<NeuMFConfig> = { factors: 4, layers: [16, 8, 4], ...training }

describeModelDefinition(gmfModel, { construct: (c) => new GMF(c), fast: { epochs: 2, factors: 4 } })
describeModelDefinition(mlpModel, { construct: (c) => new MLP(c), fast: { epochs: 2 }, vary: { layers: [16, 8] } })
describeModelDefinition(neumfModel, { construct: (c) => new NeuMF(c), fast: { epochs: 1, pretrainEpochs: 1, factors: 4 }, vary: { layers: [16, 8] } })

// The conformance suites run on the default backend (wasm here; RECFORGE_TF_BACKEND=cpu moves them).
describeRecommender('gmf', { create: () => new GMF({ ...gmfBase, l2: 0.001 }), load: (a) => GMF.load(a) })
describeRecommender('mlp', { create: () => new MLP(mlpBase), load: (a) => MLP.load(a) })
describeRecommender('neumf', { create: () => new NeuMF({ ...base, l2: 0.001 }), load: (a) => NeuMF.load(a) })
describeRecommender('neumf (explicit)', {
  create: () => new NeuMF({ ...base, objective: 'explicit', epochs: 80, l2: 0.001 }),
  load: (a) => NeuMF.load(a),
  fixture: 'ratings',
  // In the ratings fixture no user of cluster c ever rated an item of cluster c+3, so a rating
  // regressor cannot tell those items from the held-out one by data alone (chance is about 0.15;
  // @recforge/mf's biased MF passes the same fixture at 0.5).
  plantedHitRate: 0.6,
})

const tiny = () => plantedFixture({ clusters: 2, itemsPerCluster: 5, usersPerCluster: 4 }).train
const allItems = (n: number) => Int32Array.from({ length: n }, (_, i) => i)

describe.each(['wasm', 'cpu'] as const)('NCF training on %s', (backend) => {
  it('lowers the loss, keeps tf.memory() flat across epochs and is reproducible', async () => {
    await initBackend({ backend })
    const train = tiny()
    const before = tf.memory().numTensors
    const a = new NeuMF({ ...base, epochs: 3 })
    await a.fit(train, { seed: 1 })
    const rep = a.lastFit!
    expect(rep.backend).toBe(backend === 'wasm' ? 'tensorflow-wasm' : 'tensorflow-cpu')
    expect(rep.epochs).toBe(3)
    // every tensor of a step is freed within the step: none accumulate across epochs or stay after fit
    expect(rep.tensorCounts).toEqual([before, before, before])
    expect(tf.memory().numTensors).toBe(before)
    expect(rep.history[2]!.loss).toBeLessThan(rep.history[0]!.loss!)
    const b = new NeuMF({ ...base, epochs: 3 })
    await b.fit(train, { seed: 1 })
    expect(Array.from(b.score(0, allItems(10)))).toEqual(Array.from(a.score(0, allItems(10))))
  })

  it('trains the explicit variant with MSE towards the stored ratings', async () => {
    await initBackend({ backend })
    // three clusters: with two, the fixture's off-cluster 1-ratings would land on in-cluster items
    const { train } = plantedFixture({ clusters: 3, itemsPerCluster: 5, usersPerCluster: 4, ratings: true })
    const m = new NeuMF({ ...base, objective: 'explicit', epochs: 60, batchSize: 8, learningRate: 0.03 })
    await m.fit(train)
    let se = 0
    for (let u = 0; u < train.users.size; u++) {
      const a = train.indptr[u]!
      const b = train.indptr[u + 1]!
      const s = m.score(u, train.indices.subarray(a, b))
      for (let k = a; k < b; k++) se += (s[k - a]! - train.values[k]!) ** 2
    }
    // the ratings are 5 and 1 (variance 2.9 around their mean): the fit must explain nearly all of it
    expect(Math.sqrt(se / nnz(train))).toBeLessThan(0.3)
    expect(m.lastFit!.history.at(-1)!.loss).toBeLessThan(m.lastFit!.history[0]!.loss!)
  })
})

describe('NCF specifics', () => {
  it('gives the same model on the wasm and cpu backends', async () => {
    const train = tiny()
    const scores: Float32Array[] = []
    for (const backend of ['wasm', 'cpu'] as const) {
      await initBackend({ backend })
      const m = new NeuMF({ ...base, epochs: 5 })
      await m.fit(train, { seed: 9 })
      scores.push(m.score(3, allItems(10)))
    }
    for (let j = 0; j < 10; j++) expect(scores[1]![j]).toBeCloseTo(scores[0]![j]!, 4)
    await initBackend()
  })

  it('scores GMF as the inner product of userVector and itemVectors plus a shared bias', async () => {
    await initBackend()
    const g = new GMF({ ...gmfBase, epochs: 2 })
    await g.fit(tiny())
    const { vectors, dimensions } = g.itemVectors()
    expect(dimensions).toBe(4)
    const s = g.score(1, allItems(10))
    const u = g.userVector(1)
    const dot = (i: number) => u.reduce((acc, x, k) => acc + x * vectors[i * dimensions + k]!, 0)
    const bias = s[0]! - dot(0)
    for (let i = 1; i < 10; i++) expect(s[i]! - dot(i)).toBeCloseTo(bias, 4)
  })

  it('initialises NeuMF from pretrained GMF and MLP: alpha-weighted sum of their logits', async () => {
    await initBackend()
    const train = tiny()
    const stages = new Set<string>()
    const fused = new NeuMF({ ...base, pretrainEpochs: 4, alpha: 0.3, epochs: 0 })
    await fused.fit(train, { seed: 5, onProgress: (e) => stages.add(e.stage) })
    expect([...stages].sort()).toEqual(['pretrain gmf epoch', 'pretrain mlp epoch'])
    const gmf = new GMF({ ...gmfBase, epochs: 4 })
    await gmf.fit(train, { seed: 5 })
    const mlp = new MLP({ ...mlpBase, epochs: 4 })
    await mlp.fit(train, { seed: 6 })
    const items = allItems(10)
    for (const u of [0, 5]) {
      const s = fused.score(u, items)
      const sg = gmf.score(u, items)
      const sm = mlp.score(u, items)
      for (let j = 0; j < 10; j++) expect(s[j]).toBeCloseTo(0.3 * sg[j]! + 0.7 * sm[j]!, 5)
    }
  })

  it('trains a pretrained NeuMF on top of the fused weights and recovers the planted items', async () => {
    await initBackend()
    const { train, heldOut } = plantedFixture()
    const stages = new Set<string>()
    const m = new NeuMF({ ...base, l2: 0.001, epochs: 10, pretrainEpochs: 30 })
    await m.fit(train, { seed: 3, onProgress: (e) => stages.add(e.stage) })
    expect([...stages].sort()).toEqual(['epoch', 'pretrain gmf epoch', 'pretrain mlp epoch'])
    let hits = 0
    for (let u = 0; u < heldOut.length; u++) if (m.recommend(u, { k: 1 }).items[0] === heldOut[u]) hits++
    expect(hits / heldOut.length).toBeGreaterThanOrEqual(0.95)
  })

  it('saves to a versioned TensorFlow.js directory atomically and loads back with identical scores', async () => {
    await initBackend()
    const m = new NeuMF({ ...base, epochs: 1 })
    await m.fit(tiny())
    const root = await mkdtemp(path.join(os.tmpdir(), 'rf-ncf-'))
    const dir = path.join(root, 'neumf')
    await m.saveTo(dir)
    await m.saveTo(dir) // replacing an existing model leaves no temporary directories behind
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin'])
    expect(await readdir(root)).toEqual(['neumf'])
    const again = await NeuMF.loadFrom(dir)
    expect(again.config).toEqual(m.config)
    expect(Array.from(again.score(2, allItems(10)))).toEqual(Array.from(m.score(2, allItems(10))))
    await expect(GMF.loadFrom(dir)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as { formatVersion: number }
    expect(json.formatVersion).toBe(1)
    await writeFile(path.join(dir, 'model.json'), JSON.stringify({ ...json, formatVersion: 99 }))
    await expect(NeuMF.loadFrom(dir)).rejects.toMatchObject({ code: 'UNSUPPORTED_VERSION' })
    await expect(NeuMF.loadFrom(path.join(root, 'missing'))).rejects.toMatchObject({ code: 'IO_ERROR' })
  })

  it('loads through the registry from ModelArtifacts', async () => {
    await initBackend()
    const m = new MLP({ ...mlpBase, epochs: 1 })
    await m.fit(tiny())
    const def = ncfModels.find((d) => d.name === 'mlp')!
    const again = await def.load(await m.save())
    expect(Array.from(again.score(1, allItems(10)))).toEqual(Array.from(m.score(1, allItems(10))))
  })

  it('stops with ABORTED when the signal fires', async () => {
    await initBackend()
    const ac = new AbortController()
    ac.abort()
    await expect(new GMF(gmfBase).fit(tiny(), { signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' })
  })

  it('validates options and registers gmf, mlp and neumf', () => {
    expect(() => new MLP({ layers: [15, 8] })).toThrow(RecForgeError)
    expect(() => new MLP({ layers: [15, 8] })).toThrow(/"layers" must start with an even size/)
    expect(() => new GMF({ factors: 0 })).toThrow(RecForgeError)
    expect(() => new NeuMF({ objective: 'bpr' as never })).toThrow(RecForgeError)
    expect(() => new NeuMF({ l2: -1 })).toThrow(RecForgeError)
    expect(() => new NeuMF({ alpha: 2 })).toThrow(RecForgeError)
    expect(() => new GMF({ layers: [16, 8] } as never)).toThrow(/unknown parameter "layers"/)
    expect(resolveParams(mlpModel, { layers: '64, 32,16,8' }).layers).toEqual([64, 32, 16, 8])
    expect(() => resolveParams(mlpModel, { layers: '64,x' })).toThrow(RecForgeError)
    const reg = new ModelRegistry().register(...ncfModels)
    expect(reg.list().map((d) => d.name)).toEqual(['gmf', 'mlp', 'neumf'])
    const { model, params } = reg.create('neumf', { layers: '32,16,8', epochs: '2', objective: 'explicit', l2: '0.01', pretrainEpochs: '3' })
    expect(params.layers).toEqual([32, 16, 8])
    const cfg = (model as NeuMF).config
    expect(cfg.layers).toEqual([32, 16, 8])
    expect(cfg.objective).toBe('explicit')
    expect(cfg.l2).toBe(0.01)
    expect(cfg.pretrainEpochs).toBe(3)
  })


  it('defaults to the tuned sizes and step (README "Defaults, from tuning")', () => {
    expect([new GMF().config.factors, new GMF().config.learningRate]).toEqual([64, 0.0005])
    expect([new NeuMF().config.factors, new NeuMF().config.learningRate]).toEqual([16, 0.0005])
    expect(new MLP().config.learningRate).toBe(0.0005)
    // a pretrained NeuMF's GMF and MLP inherit its step, not their own defaults
    expect(trainingConfig(new NeuMF().config).learningRate).toBe(0.0005)
  })

  it('loads a format-1 file saved when every model kept all NCF options', async () => {
    await initBackend()
    for (const [Model, drop] of [[GMF, { layers: [16, 8, 4], pretrainEpochs: 0, alpha: 0.5 }], [MLP, { factors: 4, pretrainEpochs: 0, alpha: 0.5 }]] as const) {
      const m = Model === GMF ? new GMF({ ...gmfBase, epochs: 1 }) : new MLP({ ...mlpBase, epochs: 1 })
      await m.fit(tiny())
      const saved = await m.save()
      const old: ModelArtifacts = { ...saved, formatVersion: 1, config: { ...saved.config, ...drop } }
      const again = Model === GMF ? await GMF.load(old) : await MLP.load(old)
      expect({ ...again.config }).toEqual({ ...m.config })
      expect(Array.from(again.score(1, allItems(10)))).toEqual(Array.from(m.score(1, allItems(10))))
      // the same keys are unknown parameters to a caller
      expect(() => new Model(drop as never)).toThrow(/unknown parameter/)
    }
  })
})
