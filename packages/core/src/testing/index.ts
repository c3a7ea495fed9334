import { describe, expect, it, beforeAll } from 'vitest'
import { decodeArtifacts, encodeArtifacts } from '../artifacts'
import { RecForgeError } from '../errors'
import { emptyInteractions, plantedFixture } from '../fixtures'
import { Random } from '../random'
import { paramsTable, resolveConfig, type ParamSpec, type ParamValue } from '../params'
import { resolveParams, type ModelDefinition } from '../registry'
import type { Encoder, FitOptions, Metric, ModelArtifacts, Recommender, VectorIndex } from '../types'

export { plantedFixture, emptyInteractions } from '../fixtures'
export type { PlantedFixture } from '../fixtures'

function expectRecForgeError(fn: () => unknown, codes?: readonly string[]): void {
  let caught: unknown
  try {
    fn()
  } catch (e) {
    caught = e
  }
  expect(caught, 'expected a RecForgeError').toBeInstanceOf(RecForgeError)
  if (codes) expect(codes).toContain((caught as RecForgeError).code)
}

async function expectRecForgeErrorAsync(fn: () => Promise<unknown>, codes?: readonly string[]): Promise<void> {
  let caught: unknown
  try {
    await fn()
  } catch (e) {
    caught = e
  }
  expect(caught, 'expected a RecForgeError').toBeInstanceOf(RecForgeError)
  if (codes) expect(codes).toContain((caught as RecForgeError).code)
}

export interface DescribeRecommenderOptions {
  /** A fresh, unfitted model. */
  create: () => Recommender<object>
  /** Rebuilds a model from saved artifacts (the model's static `load`). */
  load: (artifacts: ModelArtifacts) => Promise<Recommender<object>>
  /** `ratings`: the planted fixture with 5/1 ratings (rating models); `implicit`: 1s only. Defaults to `implicit`. */
  fixture?: 'implicit' | 'ratings'
  /** Options passed to `fit` (seed, ...). */
  fitOptions?: FitOptions
  /** Checks to skip, each with the reason in the test name (e.g. popularity cannot personalise). */
  skip?: { planted?: string }
  /** Share of users whose held-out item must rank first. Defaults to `1`. */
  plantedHitRate?: number
  /** Score tolerance for save→load (0 = identical). Defaults to `0`. */
  loadTolerance?: number
  /** Test timeout in ms. Defaults to `60000`. */
  timeout?: number
  /**
   * For models that call `onEpoch`: a fresh model that trains `epochs` epochs. Adds the check that
   * the callback runs once per epoch, that the model inside the call at epoch 2 of 3 scores what a
   * 2-epoch fit gives, and that aborting the fit there leaves it so. Defaults to `undefined`.
   */
  withEpochs?: (epochs: number) => Recommender<object>
}

/**
 * The conformance suite every recommender passes: planted structure recovered, save→load gives
 * identical scores, unknown ids and empty input rejected, `k` beyond the catalogue handled,
 * seen items excluded.
 *
 * @example
 * ```ts
 * describeRecommender('ease', { create: () => new EASE({ lambda: 10 }), load: EASE.load })
 * ```
 */
export function describeRecommender(name: string, opts: DescribeRecommenderOptions): void {
  const timeout = opts.timeout ?? 60_000
  describe(`${name} (recommender conformance)`, () => {
    const fx = plantedFixture({ ratings: opts.fixture === 'ratings' })
    let model: Recommender<object>
    beforeAll(async () => {
      model = opts.create()
      await model.fit(fx.train, { seed: 42, ...opts.fitOptions })
    }, timeout)

    it('is fitted after fit()', () => {
      expect(model.fitted).toBe(true)
      expect(typeof model.name).toBe('string')
    })

    if (opts.skip?.planted) {
      it.skip(`planted structure (skipped: ${opts.skip.planted})`, () => {})
    } else {
      it('ranks the planted held-out item first', () => {
        let hits = 0
        for (let u = 0; u < fx.heldOut.length; u++) {
          const rec = model.recommend(u, { k: 1 })
          if (rec.items[0] === fx.heldOut[u]) hits++
        }
        expect(hits / fx.heldOut.length).toBeGreaterThanOrEqual(opts.plantedHitRate ?? 1)
      })
    }

    it('never recommends seen items, and returns at most the unseen catalogue when k is larger', () => {
      const nItems = fx.train.items.size
      for (let u = 0; u < fx.train.users.size; u++) {
        const seen = new Set(fx.train.indices.subarray(fx.train.indptr[u]!, fx.train.indptr[u + 1]!))
        const rec = model.recommend(u, { k: nItems * 10 })
        expect(rec.items.length).toBe(nItems - seen.size)
        expect(new Set(rec.items).size).toBe(rec.items.length)
        for (const i of rec.items) expect(seen.has(i)).toBe(false)
        for (let j = 1; j < rec.scores.length; j++) expect(rec.scores[j - 1]!).toBeGreaterThanOrEqual(rec.scores[j]!)
      }
    })

    it('can include seen items when asked, and respects k = 0 and candidate lists', () => {
      const nItems = fx.train.items.size
      expect(model.recommend(0, { k: nItems + 5, excludeSeen: false }).items.length).toBe(nItems)
      expect(model.recommend(0, { k: 0 }).items.length).toBe(0)
      const cand = new Int32Array([fx.heldOut[0]!, (fx.heldOut[0]! + 9) % nItems, (fx.heldOut[0]! + 17) % nItems])
      const rec = model.recommend(0, { k: 10, candidates: cand })
      for (const i of rec.items) expect(Array.from(cand)).toContain(i)
    })

    it('score() agrees with recommend() order', () => {
      const rec = model.recommend(1, { k: 5 })
      const s = model.score(1, rec.items)
      for (let j = 0; j < s.length; j++) expect(s[j]).toBeCloseTo(rec.scores[j]!, 4)
    })

    it('save → load gives identical scores (also through the binary format)', async () => {
      const a = await model.save()
      const again = await opts.load(decodeArtifacts(encodeArtifacts(a)))
      expect(again.fitted).toBe(true)
      const all = Int32Array.from({ length: fx.train.items.size }, (_, i) => i)
      for (let u = 0; u < fx.train.users.size; u += 7) {
        const s1 = model.score(u, all)
        const s2 = again.score(u, all)
        if (!opts.loadTolerance) expect(Array.from(s2)).toEqual(Array.from(s1))
        else for (let j = 0; j < s1.length; j++) expect(Math.abs(s2[j]! - s1[j]!)).toBeLessThanOrEqual(opts.loadTolerance)
        expect(Array.from(again.recommend(u, { k: 5 }).items)).toEqual(Array.from(model.recommend(u, { k: 5 }).items))
      }
    }, timeout)

    it('rejects unknown users and items with UNKNOWN_ID', () => {
      const nu = fx.train.users.size
      const ni = fx.train.items.size
      expectRecForgeError(() => model.recommend(-1), ['UNKNOWN_ID'])
      expectRecForgeError(() => model.recommend(nu), ['UNKNOWN_ID'])
      expectRecForgeError(() => model.score(0, new Int32Array([ni])), ['UNKNOWN_ID'])
    })

    it('rejects scoring before fit with NOT_FITTED', () => {
      const fresh = opts.create()
      expect(fresh.fitted).toBe(false)
      expectRecForgeError(() => fresh.recommend(0), ['NOT_FITTED'])
    })

    it('rejects empty training data', async () => {
      await expectRecForgeErrorAsync(() => opts.create().fit(emptyInteractions(), { seed: 1 }), ['EMPTY_INPUT', 'INVALID_ARGUMENT'])
    })

    const withEpochs = opts.withEpochs
    if (withEpochs) {
      it('onEpoch runs after every epoch with the model as trained so far; aborting there keeps it', async () => {
        const all = Int32Array.from({ length: fx.train.items.size }, (_, i) => i)
        const users = Array.from({ length: Math.ceil(fx.train.users.size / 5) }, (_, t) => t * 5)
        const scores = (m: Recommender<object>) => users.map((u) => Array.from(m.score(u, all)))
        const twoEpochs = withEpochs(2)
        await twoEpochs.fit(fx.train, { seed: 42, ...opts.fitOptions })
        const expected = scores(twoEpochs)
        const three = withEpochs(3)
        const seen: { epoch: number; epochs: number }[] = []
        let atTwo: number[][] = []
        await three.fit(fx.train, {
          seed: 42,
          ...opts.fitOptions,
          onEpoch: ({ epoch, epochs, metrics }) => {
            seen.push({ epoch, epochs })
            expect(Object.keys(metrics).length).toBeGreaterThan(0)
            expect(three.fitted).toBe(true)
            if (epoch === 2) atTwo = scores(three)
          },
        })
        expect(seen).toEqual([1, 2, 3].map((epoch) => ({ epoch, epochs: 3 })))
        expect(atTwo).toEqual(expected)
        const stopped = withEpochs(3)
        const controller = new AbortController()
        await expectRecForgeErrorAsync(
          () => stopped.fit(fx.train, { seed: 42, ...opts.fitOptions, signal: controller.signal, onEpoch: ({ epoch }) => (epoch === 2 ? controller.abort() : undefined) }),
          ['ABORTED'],
        )
        expect(scores(stopped)).toEqual(expected)
      }, timeout)
    }
  })
}

export interface DescribeVectorIndexOptions {
  /** A new empty index. */
  create: (dimensions: number, metric: Metric) => VectorIndex
  /** Rebuilds an index from `save()` bytes. */
  load: (bytes: Uint8Array) => Promise<VectorIndex>
  /** Metrics to test. Defaults to all three. */
  metrics?: readonly Metric[]
  /** Minimum recall@10 against exact search. Defaults to `1` (exact indexes); approximate ones pass `0.95`. */
  minRecall?: number
  /** Whether the index supports `remove`. Defaults to `true`. */
  supportsRemove?: boolean
  timeout?: number
}

function refDistance(metric: Metric, a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let dot = 0
  let na = 0
  let nb = 0
  let l2 = 0
  for (let j = 0; j < d; j++) {
    const x = a[ao + j]!
    const y = b[bo + j]!
    dot += x * y
    na += x * x
    nb += y * y
    l2 += (x - y) * (x - y)
  }
  if (metric === 'ip') return -dot
  if (metric === 'l2') return l2
  return 1 - dot / (Math.sqrt(na * nb) || 1)
}

/** Brute-force reference search used as the oracle in {@link describeVectorIndex}. */
export function referenceSearch(metric: Metric, data: Float32Array, d: number, q: Float32Array, k: number, filter?: (key: number) => boolean): Int32Array {
  const n = data.length / d
  const idx: number[] = []
  const dist = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    if (filter && !filter(i)) continue
    dist[i] = refDistance(metric, data, i * d, q, 0, d)
    idx.push(i)
  }
  idx.sort((a, b) => dist[a]! - dist[b]! || a - b)
  return Int32Array.from(idx.slice(0, k))
}

/** Clustered random vectors (closer to real embeddings than uniform noise). */
export function clusteredVectors(n: number, d: number, seed = 7, clusters = 20): Float32Array {
  const rng = new Random(seed)
  const centers = rng.fillNormal(new Float32Array(clusters * d))
  const out = new Float32Array(n * d)
  for (let i = 0; i < n; i++) {
    const c = rng.int(clusters)
    for (let j = 0; j < d; j++) out[i * d + j] = centers[c * d + j]! + 0.5 * rng.normal()
  }
  return out
}

/**
 * The conformance suite every vector index passes: self-match, recall against exact search,
 * filters, removal, replacement, persistence round trip, and clear errors for bad input.
 */
export function describeVectorIndex(name: string, opts: DescribeVectorIndexOptions): void {
  const timeout = opts.timeout ?? 60_000
  const d = 16
  const n = 2000
  const data = clusteredVectors(n, d)
  const keys = Int32Array.from({ length: n }, (_, i) => i)
  const queries = clusteredVectors(50, d, 99)
  for (const metric of opts.metrics ?? (['cosine', 'ip', 'l2'] as const)) {
    describe(`${name} [${metric}] (vector index conformance)`, () => {
      let index: VectorIndex
      beforeAll(() => {
        index = opts.create(d, metric)
        index.add(keys, data)
      }, timeout)

      it('reports size and dimensions', () => {
        expect(index.size).toBe(n)
        expect(index.dimensions).toBe(d)
        expect(index.metric).toBe(metric)
      })

      it(`reaches recall@10 >= ${opts.minRecall ?? 1} against exact search`, () => {
        let found = 0
        for (let qi = 0; qi < 50; qi++) {
          const q = queries.subarray(qi * d, qi * d + d)
          const truth = new Set(referenceSearch(metric, data, d, q, 10))
          const res = index.search(q, 10)
          expect(res.keys.length).toBe(10)
          for (let j = 1; j < res.distances.length; j++) expect(res.distances[j]!).toBeGreaterThanOrEqual(res.distances[j - 1]! - 1e-5)
          for (const k of res.keys) if (truth.has(k)) found++
        }
        expect(found / 500).toBeGreaterThanOrEqual(opts.minRecall ?? 1)
      })

      if (metric !== 'ip') {
        it('finds a stored vector as its own nearest neighbour', () => {
          for (const i of [0, 17, 999, 1999]) {
            const res = index.search(data.subarray(i * d, i * d + d), 1)
            expect(res.keys[0]).toBe(i)
          }
        })
      }

      it('applies filters during search', () => {
        const q = queries.subarray(0, d)
        const res = index.search(q, 10, (key) => key % 2 === 0)
        expect(res.keys.length).toBe(10)
        for (const k of res.keys) expect(k % 2).toBe(0)
        const truth = new Set(referenceSearch(metric, data, d, q, 10, (key) => key % 2 === 0))
        let hit = 0
        for (const k of res.keys) if (truth.has(k)) hit++
        expect(hit / 10).toBeGreaterThanOrEqual(Math.min(opts.minRecall ?? 1, 0.8))
      })

      it('returns every vector when k exceeds the size, and nothing from an empty index', () => {
        const small = opts.create(d, metric)
        expect(small.search(queries.subarray(0, d), 5).keys.length).toBe(0)
        small.add(new Int32Array([5, 6, 7]), data.subarray(0, 3 * d))
        const res = small.search(queries.subarray(0, d), 50)
        expect(Array.from(res.keys).sort()).toEqual([5, 6, 7])
      })

      if (opts.supportsRemove ?? true) {
        it('removes keys and replaces re-added keys', () => {
          const small = opts.create(d, metric)
          small.add(keys.subarray(0, 100), data.subarray(0, 100 * d))
          const target = data.subarray(10 * d, 11 * d)
          small.remove(new Int32Array([10]))
          expect(small.size).toBe(99)
          expect(Array.from(small.search(target, 100).keys)).not.toContain(10)
          small.add(new Int32Array([10]), target)
          expect(small.size).toBe(100)
          small.add(new Int32Array([11]), target)
          expect(small.size).toBe(100)
          const top = Array.from(small.search(target, 2).keys).sort((a, b) => a - b)
          if (metric !== 'ip') expect(top).toEqual([10, 11])
        })
      }

      it('save → load answers identically', async () => {
        const bytes = await index.save()
        const again = await opts.load(bytes)
        expect(again.size).toBe(index.size)
        for (let qi = 0; qi < 10; qi++) {
          const q = queries.subarray(qi * d, qi * d + d)
          expect(Array.from(again.search(q, 10).keys)).toEqual(Array.from(index.search(q, 10).keys))
        }
      }, timeout)

      it('rejects wrong dimensions and NaN with RecForgeError', () => {
        expectRecForgeError(() => index.search(new Float32Array(d + 1), 3), ['DIMENSION_MISMATCH'])
        expectRecForgeError(() => opts.create(d, metric).add(new Int32Array([1]), new Float32Array(d - 1)), ['DIMENSION_MISMATCH'])
        const bad = new Float32Array(d)
        bad[3] = Number.NaN
        expectRecForgeError(() => index.search(bad, 3), ['INVALID_ARGUMENT'])
        expectRecForgeError(() => opts.create(d, metric).add(new Int32Array([1]), bad), ['INVALID_ARGUMENT'])
      })
    })
  }
}

export interface DescribeEncoderOptions<Input> {
  create: () => Promise<Encoder<Input>>
  /** At least three distinct inputs. */
  inputs: readonly Input[]
  /** An input longer than the model's context, to check truncation (text encoders). */
  longInput?: Input
  /** Tolerance for batch-vs-single equality. Defaults to `1e-4`. */
  tolerance?: number
  timeout?: number
}

/**
 * The conformance suite every encoder passes: dimensions, determinism, empty input,
 * batching equals one-by-one, long-input truncation, finite output.
 */
export function describeEncoder<Input = string>(name: string, opts: DescribeEncoderOptions<Input>): void {
  const timeout = opts.timeout ?? 120_000
  const tol = opts.tolerance ?? 1e-4
  describe(`${name} (encoder conformance)`, () => {
    let enc: Encoder<Input>
    beforeAll(async () => {
      enc = await opts.create()
    }, timeout)

    it('returns inputs × dimensions finite values, different for different inputs', async () => {
      expect(enc.dimensions).toBeGreaterThan(0)
      expect(typeof enc.modelId).toBe('string')
      const out = await enc.encode(opts.inputs)
      expect(out).toBeInstanceOf(Float32Array)
      expect(out.length).toBe(opts.inputs.length * enc.dimensions)
      for (const x of out) expect(Number.isFinite(x)).toBe(true)
      const d = enc.dimensions
      let diff = 0
      for (let j = 0; j < d; j++) diff += Math.abs(out[j]! - out[d + j]!)
      expect(diff).toBeGreaterThan(1e-6)
    }, timeout)

    it('is deterministic', async () => {
      const a = await enc.encode(opts.inputs)
      const b = await enc.encode(opts.inputs)
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j]! - b[j]!)).toBeLessThanOrEqual(tol)
    }, timeout)

    it('returns an empty array for empty input', async () => {
      const out = await enc.encode([])
      expect(out.length).toBe(0)
    }, timeout)

    it('gives the same vectors batched as one by one', async () => {
      const batch = await enc.encode(opts.inputs)
      const d = enc.dimensions
      for (let i = 0; i < opts.inputs.length; i++) {
        const one = await enc.encode([opts.inputs[i]!])
        for (let j = 0; j < d; j++) expect(Math.abs(one[j]! - batch[i * d + j]!)).toBeLessThanOrEqual(tol)
      }
    }, timeout)

    if (opts.longInput !== undefined) {
      it('truncates very long input instead of failing', async () => {
        const out = await enc.encode([opts.longInput!])
        expect(out.length).toBe(enc.dimensions)
        for (const x of out) expect(Number.isFinite(x)).toBe(true)
      }, timeout)
    }
  })
}

/** Options of {@link describeModelDefinition}. */
export interface DescribeModelDefinitionOptions {
  /** The model's constructor, called as a user would (`(config) => new ALS(config)`); checks its defaults against the registry's. */
  construct?: (config?: Record<string, ParamValue>) => Recommender<object>
  /** Overrides applied to every fit of the suite to keep it fast (`{ epochs: 2 }`). */
  fast?: Readonly<Record<string, ParamValue>>
  /** Alternative values for the save/load check where the automatic choice does not fit (lists, strings, coupled parameters). */
  vary?: Readonly<Record<string, ParamValue>>
  /** Parameters the save/load check leaves at their defaults, each with the reason. */
  keep?: Readonly<Record<string, string>>
  /** `ratings` for rating models. Defaults to `implicit`. */
  fixture?: 'implicit' | 'ratings'
  /** Options passed to `fit`. */
  fitOptions?: FitOptions
  /** Test timeout in ms. Defaults to `60000`. */
  timeout?: number
}

function inRange(spec: ParamSpec, v: number): boolean {
  if (spec.type !== 'int' && spec.type !== 'float') return false
  if (spec.type === 'int' && !Number.isInteger(v)) return false
  const exLo = spec.type === 'float' && spec.exclusiveMin
  const exHi = spec.type === 'float' && spec.exclusiveMax
  if (spec.min !== undefined && (exLo ? v <= spec.min : v < spec.min)) return false
  if (spec.max !== undefined && (exHi ? v >= spec.max : v > spec.max)) return false
  return Number.isFinite(v)
}

/** A valid value other than the default, or undefined where none is obvious (strings, lists). */
function alternative(spec: ParamSpec): ParamValue | undefined {
  switch (spec.type) {
    case 'bool':
      return !spec.default
    case 'enum':
      return spec.values.find((v) => v !== spec.default)
    case 'int':
    case 'float': {
      const d = spec.default
      const lo = spec.min ?? d - 1
      const hi = spec.max ?? d + 1
      const tries = spec.type === 'int' ? [d + 1, d - 1, d * 2] : [d * 2, d / 2, d + 0.5, d - 0.5, (lo + hi) / 2]
      return tries.find((v) => v !== d && inRange(spec, v))
    }
    default:
      return undefined
  }
}

/** Values a spec must reject. */
function badValues(spec: ParamSpec): unknown[] {
  switch (spec.type) {
    case 'int':
      return [1.5, Number.NaN, 'x', ...(spec.min !== undefined ? [spec.min - 1] : []), ...(spec.max !== undefined ? [spec.max + 1] : [])]
    case 'float':
      return [Number.NaN, Number.POSITIVE_INFINITY, 'x', ...(spec.min !== undefined ? [spec.exclusiveMin ? spec.min : spec.min - 1] : []), ...(spec.max !== undefined ? [spec.exclusiveMax ? spec.max : spec.max + 1] : [])]
    case 'bool':
      return ['maybe', 2]
    case 'enum':
      return ['no-such-value', 3]
    case 'string':
      return [42]
    case 'ints':
      return [[1.5], 'a,b', ...(spec.min !== undefined ? [[spec.min - 1]] : [])]
  }
}

/**
 * The conformance suite of a registry entry: the registry's defaults are the constructor's,
 * every parameter survives save and load, and bad values fail with INVALID_ARGUMENT naming the
 * parameter (through the command line's resolver and through the constructor).
 *
 * @example
 * ```ts
 * describeModelDefinition(alsModel, { construct: (c) => new ALS(c), fast: { iterations: 2 } })
 * ```
 */
export function describeModelDefinition(def: ModelDefinition, opts: DescribeModelDefinitionOptions = {}): void {
  const timeout = opts.timeout ?? 60_000
  const keys = Object.keys(def.params)
  describe(`${def.name} (model definition conformance)`, () => {
    it('creates an unfitted model of its name from its defaults', () => {
      const model = def.create(resolveParams(def, {}))
      expect(model.name).toBe(def.name)
      expect(model.fitted).toBe(false)
    })

    it('has the same defaults in the registry and the constructor, and a config of exactly its parameters', () => {
      const defaults = resolveParams(def, {})
      expect(defaults).toEqual(resolveConfig(def.params, {}, { model: def.name }))
      const fromRegistry = def.create(defaults)
      expect(Object.keys(fromRegistry.config).sort()).toEqual([...keys].sort())
      expect({ ...fromRegistry.config }).toEqual(defaults)
      if (opts.construct) expect({ ...opts.construct().config }).toEqual(defaults)
    })

    for (const key of keys) {
      const spec = def.params[key]!
      it(`rejects bad values of "${key}" with INVALID_ARGUMENT naming it`, () => {
        for (const bad of badValues(spec)) {
          for (const attempt of [
            () => resolveParams(def, { [key]: bad as ParamValue }),
            ...(opts.construct ? [() => opts.construct!({ [key]: bad as ParamValue })] : []),
          ]) {
            let caught: unknown
            try {
              attempt()
            } catch (e) {
              caught = e
            }
            expect(caught, `${key} = ${JSON.stringify(bad)} was accepted`).toBeInstanceOf(RecForgeError)
            expect((caught as RecForgeError).code).toBe('INVALID_ARGUMENT')
            expect((caught as RecForgeError).message).toContain(`"${key}"`)
          }
        }
      })
    }

    it('rejects an unknown parameter by name', () => {
      expectRecForgeError(() => resolveParams(def, { noSuchParameter: 1 }), ['INVALID_ARGUMENT'])
      expect(() => resolveParams(def, { noSuchParameter: 1 })).toThrow(/noSuchParameter/)
      if (opts.construct) expect(() => opts.construct!({ noSuchParameter: 1 })).toThrow(/noSuchParameter/)
    })

    it('keeps every parameter through save and load', async () => {
      const changed: Record<string, ParamValue> = {}
      const unchanged: string[] = []
      for (const key of keys) {
        if (opts.keep?.[key] !== undefined) continue
        const alt = opts.vary?.[key] ?? alternative(def.params[key]!)
        if (alt === undefined) unchanged.push(key)
        else changed[key] = alt
      }
      expect(unchanged, 'parameters without an alternative value: give one in `vary` or a reason in `keep`').toEqual([])
      const config = resolveParams(def, { ...changed, ...opts.fast })
      const model = def.create(config)
      const fx = plantedFixture({ ratings: opts.fixture === 'ratings' })
      await model.fit(fx.train, { seed: 42, ...opts.fitOptions })
      const again = await def.load(decodeArtifacts(encodeArtifacts(await model.save())))
      expect(again.name).toBe(def.name)
      expect({ ...again.config }).toEqual(config)
    }, timeout)
  })
}

/**
 * Checks that a README shows each model's parameter table as generated from its schema, between
 * `<!-- params:<name> -->` and `<!-- /params -->`. With `RECFORGE_UPDATE_README=1` in the
 * environment it rewrites the tables instead (then review and commit the README).
 *
 * @example
 * ```ts
 * describeReadmeParams(new URL('../../README.md', import.meta.url), mfModels)
 * ```
 */
export function describeReadmeParams(readme: URL | string, defs: readonly ModelDefinition[]): void {
  describe('README parameter tables', () => {
    it('match the models\' parameter schemas', async () => {
      const { readFile, writeFile } = await import('node:fs/promises')
      const text = await readFile(readme, 'utf8')
      let next = text
      for (const def of defs) {
        const open = `<!-- params:${def.name} -->`
        const start = next.indexOf(open)
        expect(start, `the README has no ${open} marker`).toBeGreaterThanOrEqual(0)
        const end = next.indexOf('<!-- /params -->', start)
        expect(end, `the README's ${open} has no closing <!-- /params -->`).toBeGreaterThan(start)
        next = `${next.slice(0, start + open.length)}\n${paramsTable(def.params)}\n${next.slice(end)}`
      }
      if (process.env.RECFORGE_UPDATE_README === '1') {
        if (next !== text) await writeFile(readme, next)
        return
      }
      expect(text, 'README parameter tables differ from the schemas; run the test with RECFORGE_UPDATE_README=1 and commit the README').toBe(next)
    })
  })
}
