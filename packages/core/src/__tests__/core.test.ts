import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BaseRecommender,
  IdVocabulary,
  InteractionsBuilder,
  ModelRegistry,
  Random,
  RecForgeError,
  checkArtifacts,
  decodeArtifacts,
  defineModel,
  plantedFixture,
  defineParams,
  param,
  resolveConfig,
  encodeArtifacts,
  filterEntries,
  fromCoo,
  itemCounts,
  nnz,
  requireTensor,
  resolveParams,
  toCoo,
  topK,
  transpose,
  type FitOptions,
  type Interactions,
  type ConfigInput,
  type ConfigOf,
  type ModelArtifacts,
  type ModelState,
} from '../index'
import { describeModelDefinition, describeRecommender } from '../testing'

describe('Random', () => {
  it('is reproducible from a seed and differs across seeds', () => {
    const a = new Random(42)
    const b = new Random(42)
    const c = new Random(43)
    const xs = Array.from({ length: 5 }, () => a.uint32())
    expect(Array.from({ length: 5 }, () => b.uint32())).toEqual(xs)
    expect(Array.from({ length: 5 }, () => c.uint32())).not.toEqual(xs)
  })
  it('saves and restores its state mid-stream, the cached normal included', () => {
    const a = new Random(9)
    a.uint32()
    a.normal() // leaves a spare normal cached
    const saved = a.getState()
    const next = [a.normal(), a.uint32(), a.normal(), a.float()]
    const b = new Random(1).setState(saved)
    expect([b.normal(), b.uint32(), b.normal(), b.float()]).toEqual(next)
    expect(() => new Random().setState([1, 2, 3])).toThrow(/expected 5 numbers/)
    expect(() => new Random().setState([1.5, 2, 3, 4, 0])).toThrow(RecForgeError)
  })
  it('has uniform floats in [0,1) and standard normals with mean 0 and sd 1', () => {
    const r = new Random(1)
    let s = 0
    let s2 = 0
    const n = 20000
    for (let i = 0; i < n; i++) {
      const f = r.float()
      expect(f).toBeGreaterThanOrEqual(0)
      expect(f).toBeLessThan(1)
      const z = r.normal()
      s += z
      s2 += z * z
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03)
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05)
  })
  it('permutation is a permutation', () => {
    const p = new Random(3).permutation(100)
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })
})

describe('topK', () => {
  it('matches a full sort, best first, ties by smaller index, exclusions honoured', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 0, maxLength: 60 }),
        fc.integer({ min: 0, max: 70 }),
        fc.array(fc.nat(59), { maxLength: 10 }),
        (vals, k, ex) => {
          const scores = Float32Array.from(vals)
          const exclude = Int32Array.from(ex)
          const res = topK(scores, k, { exclude })
          const exSet = new Set(ex)
          const expected = vals
            .map((v, i) => ({ v, i }))
            .filter((x) => !exSet.has(x.i))
            .sort((a, b) => b.v - a.v || a.i - b.i)
            .slice(0, k)
          expect(Array.from(res.items)).toEqual(expected.map((x) => x.i))
          expect(Array.from(res.scores)).toEqual(expected.map((x) => x.v))
        },
      ),
    )
  })
  it('maps candidate positions to item ids and skips NaN', () => {
    const res = topK(new Float32Array([0.5, Number.NaN, 0.9]), 3, { candidates: new Int32Array([10, 20, 30]) })
    expect(Array.from(res.items)).toEqual([30, 10])
  })
})

describe('interactions', () => {
  const b = new InteractionsBuilder({ timestamps: true, capacity: 1 })
  b.push('alice', 'x', 5, 3)
  b.push('bob', 'y', 3, 1)
  b.push('alice', 'y', 4, 2)
  b.push('carol', 'z', 1, 5)
  const data = b.build()

  it('builds CSR by user keeping input order within rows', () => {
    expect(data.users.ids()).toEqual(['alice', 'bob', 'carol'])
    expect(Array.from(data.indptr)).toEqual([0, 2, 3, 4])
    expect(Array.from(data.indices)).toEqual([0, 1, 1, 2])
    expect(Array.from(data.values)).toEqual([5, 4, 3, 1])
    expect(Array.from(data.timestamps!)).toEqual([3, 2, 1, 5])
    expect(nnz(data)).toBe(4)
  })
  it('transposes and counts items', () => {
    const t = transpose(data)
    expect(Array.from(t.indptr)).toEqual([0, 1, 3, 4])
    expect(Array.from(t.indices)).toEqual([0, 0, 1, 2])
    expect(Array.from(itemCounts(data))).toEqual([1, 2, 1])
  })
  it('round-trips through COO and filters entries', () => {
    const again = fromCoo(toCoo(data))
    expect(Array.from(again.indices)).toEqual(Array.from(data.indices))
    const f = filterEntries(data, (k) => data.values[k]! >= 4)
    expect(Array.from(f.indptr)).toEqual([0, 2, 2, 2])
    expect(Array.from(f.timestamps!)).toEqual([3, 2])
  })
  it('rejects out-of-range indices', () => {
    expect(() =>
      fromCoo({ users: new IdVocabulary(['a']), items: new IdVocabulary(['x']), userIdx: new Int32Array([0]), itemIdx: new Int32Array([3]), values: new Float32Array([1]) }),
    ).toThrow(RecForgeError)
  })
  it('vocabulary names unknown ids', () => {
    const v = new IdVocabulary(['a'])
    expect(() => v.require('zz', 'user')).toThrow(/unknown user "zz"/)
    expect(() => IdVocabulary.fromJSON(['a', 'a'])).toThrow(RecForgeError)
  })
})

describe('artifacts', () => {
  const a: ModelArtifacts = {
    model: 'toy',
    formatVersion: 1,
    config: { factors: 3 },
    meta: { note: 'ü' },
    tensors: { f: new Float32Array([1.5, -2]), d: new Float64Array([Math.PI]), i: new Int32Array([7, 8, 9]), b: new Uint8Array([1, 2, 3, 4, 5]) },
  }
  it('round-trips every dtype', () => {
    const back = decodeArtifacts(encodeArtifacts(a))
    expect(back.config).toEqual({ factors: 3 })
    expect(back.meta).toEqual({ note: 'ü' })
    expect(Array.from(requireTensor(back, 'f', Float32Array))).toEqual([1.5, -2])
    expect(requireTensor(back, 'd', Float64Array)[0]).toBe(Math.PI)
    expect(Array.from(requireTensor(back, 'i', Int32Array))).toEqual([7, 8, 9])
    expect(Array.from(requireTensor(back, 'b', Uint8Array))).toEqual([1, 2, 3, 4, 5])
  })
  it('detects corruption, truncation and wrong files', () => {
    const bytes = encodeArtifacts(a)
    const bad = bytes.slice()
    bad[bad.length - 10]! ^= 0xff
    expect(() => decodeArtifacts(bad)).toThrow(expect.objectContaining({ code: 'CHECKSUM_MISMATCH' }))
    expect(() => decodeArtifacts(bytes.subarray(0, 8))).toThrow(expect.objectContaining({ code: 'PARSE_ERROR' }))
    expect(() => decodeArtifacts(new TextEncoder().encode('hello world, not a model'))).toThrow(expect.objectContaining({ code: 'PARSE_ERROR' }))
    expect(() => checkArtifacts(a, 'other', 1)).toThrow(RecForgeError)
    expect(() => checkArtifacts({ ...a, formatVersion: 9 }, 'toy', 1)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }))
  })
})

const COOCCUR_PARAMS = defineParams({
  shrink: param.float({ default: 0, min: 0, description: 'shrinkage' }),
  k: param.int({ default: 5, min: 1, description: 'k' }),
  on: param.bool({ default: true, description: 'flag' }),
  kind: param.enumOf({ values: ['a', 'b'], default: 'a', description: 'kind' }),
})

/** A tiny co-occurrence recommender that exercises BaseRecommender and the conformance suites themselves. */
class Cooccur extends BaseRecommender<ConfigOf<typeof COOCCUR_PARAMS>> {
  readonly name = 'cooccur'
  private sim = new Float32Array(0)
  private n = 0
  constructor(config: ConfigInput<typeof COOCCUR_PARAMS> = {}) {
    super(resolveConfig(COOCCUR_PARAMS, config, { model: 'cooccur' }))
  }
  protected async fitModel(data: Interactions, _opts: FitOptions): Promise<void> {
    const n = data.items.size
    const sim = new Float32Array(n * n)
    for (let u = 0; u < data.users.size; u++) {
      const row = data.indices.subarray(data.indptr[u]!, data.indptr[u + 1]!)
      for (const a of row) for (const b of row) if (a !== b) sim[a * n + b]! += 1 / (1 + this.config.shrink)
    }
    this.sim = sim
    this.n = n
  }
  protected scoreAll(user: number, out: Float32Array): void {
    for (const i of this.seenItems(user)) for (let j = 0; j < this.n; j++) out[j]! += this.sim[i * this.n + j]!
  }
  protected override saveState(): ModelState {
    return { tensors: { sim: this.sim } }
  }
  protected override restoreState(a: ModelArtifacts): void {
    this.sim = requireTensor(a, 'sim', Float32Array)
    this.n = this.numItems
  }
}

describeRecommender('cooccur (suite self-test)', { create: () => new Cooccur({ shrink: 0 }), load: (a) => Cooccur.load(a) })

const cooccurModel = defineModel({
  name: 'cooccur',
  description: 'test',
  package: '@recforge/core',
  task: 'ranking',
  params: COOCCUR_PARAMS,
  create: (c) => new Cooccur(c),
  load: (a) => Cooccur.load(a),
})

describeModelDefinition(cooccurModel, { construct: (c) => new Cooccur(c as ConfigInput<typeof COOCCUR_PARAMS>) })

describe('defineModel with the class, and the generic load', () => {
  const byClass = defineModel({ name: 'cooccur', task: 'ranking', params: COOCCUR_PARAMS, model: Cooccur, package: '@recforge/core', description: 'test' })
  it('derives create and load from the class', async () => {
    const model = byClass.create({ shrink: 1, k: 5, on: true, kind: 'b' })
    expect(model).toBeInstanceOf(Cooccur)
    await model.fit(plantedFixture().train)
    const again = await byClass.load(await model.save())
    expect(again).toBeInstanceOf(Cooccur)
    expect(again.config).toEqual(model.config)
  })
  it('returns the class it is called on, and refuses another model by name before reading its config', async () => {
    const model = new Cooccur()
    await model.fit(plantedFixture().train)
    const saved = await model.save()
    const again: Cooccur = await Cooccur.load(saved)
    expect(Array.from(again.recommend(0, { k: 3 }).items)).toEqual(Array.from(model.recommend(0, { k: 3 }).items))
    await expect(Cooccur.load({ ...saved, model: 'other', config: { nosuch: 1 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /other/ })
    await expect(Cooccur.load({ ...saved, config: { nosuch: 1 } })).rejects.toMatchObject({ code: 'PARSE_ERROR', message: /unknown parameter "nosuch"/ })
  })
})

describe('registry', () => {
  const def = cooccurModel
  it('fills defaults and coerces strings', () => {
    expect(resolveParams(def, { shrink: '2.5', on: 'false', kind: 'b' })).toEqual({ shrink: 2.5, k: 5, on: false, kind: 'b' })
  })
  it('rejects unknown names, bad types and out-of-range values', () => {
    expect(() => resolveParams(def, { nope: 1 })).toThrow(/unknown parameter "nope"/)
    expect(() => resolveParams(def, { k: '2.5' })).toThrow(/integer/)
    expect(() => resolveParams(def, { k: 0 })).toThrow(/integer >= 1; got 0/)
    expect(() => resolveParams(def, { kind: 'c' })).toThrow(/one of "a", "b"/)
  })
  it('registers by name and refuses duplicates', () => {
    const r = new ModelRegistry().register(def)
    expect(r.create('cooccur', { shrink: '1' }).params.shrink).toBe(1)
    expect(() => r.register(def)).toThrow(/already registered/)
    expect(() => r.get('missing')).toThrow(/registered models: cooccur/)
  })
})
