import { describe, expect, it } from 'vitest'
import {
  BaseRecommender,
  PROTOCOLS,
  RecForgeError,
  decodeArtifacts,
  defaultConfig,
  defineParams,
  describeParamType,
  encodeArtifacts,
  formatParamValue,
  isProtocol,
  nestArtifacts,
  param,
  paramsTable,
  parseProtocol,
  protocolKind,
  requireTensor,
  renameParams,
  resolveConfig,
  unnestArtifacts,
  type ConfigInput,
  type ConfigOf,
  type FitOptions,
  type Interactions,
  type ModelArtifacts,
  type ModelState,
} from '../index'
import { plantedFixture } from '../testing'

const SCHEMA = defineParams({
  factors: param.int({ default: 8, min: 1, max: 512, description: 'latent factors' }),
  rate: param.float({ default: 0.5, min: 0, max: 1, exclusiveMin: true, description: 'a rate in (0, 1]' }),
  wasm: param.bool({ default: true, description: 'use WebAssembly' }),
  solver: param.enumOf({ values: ['cg', 'cholesky'], default: 'cg', description: 'solver' }),
  label: param.string({ default: 'x', description: 'free text' }),
  layers: param.ints({ default: [16, 8], min: 1, description: 'layer sizes' }),
})

function message(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(RecForgeError)
    expect((e as RecForgeError).code).toBe('INVALID_ARGUMENT')
    return (e as RecForgeError).message
  }
  throw new Error('expected an error')
}

describe('resolveConfig', () => {
  it('fills every default and keeps given values', () => {
    const c: ConfigOf<typeof SCHEMA> = resolveConfig(SCHEMA, { factors: 4, solver: 'cholesky' }, { model: 'toy' })
    expect(c).toEqual({ factors: 4, rate: 0.5, wasm: true, solver: 'cholesky', label: 'x', layers: [16, 8] })
    expect(defaultConfig(SCHEMA)).toEqual({ factors: 8, rate: 0.5, wasm: true, solver: 'cg', label: 'x', layers: [16, 8] })
    expect(resolveConfig(SCHEMA, undefined, { model: 'toy' })).toEqual(defaultConfig(SCHEMA))
  })

  it('copies list defaults, so a config never shares the schema array', () => {
    const a = resolveConfig(SCHEMA, {}, { model: 'toy' })
    a.layers.push(4)
    expect(SCHEMA.layers.default).toEqual([16, 8])
    expect(resolveConfig(SCHEMA, {}, { model: 'toy' }).layers).toEqual([16, 8])
  })

  it('rejects unknown keys, naming them and the known ones', () => {
    expect(message(() => resolveConfig(SCHEMA, { factor: 3 } as ConfigInput<typeof SCHEMA>, { model: 'toy' }))).toBe(
      'toy: unknown parameter "factor"; its parameters are factors, rate, wasm, solver, label, layers',
    )
  })

  it('checks types and ranges with messages naming the parameter, the rule and the value', () => {
    const r = (v: object) => message(() => resolveConfig(SCHEMA, v, { model: 'toy' }))
    expect(r({ factors: 0 })).toBe('toy: parameter "factors" must be an integer in [1, 512]; got 0')
    expect(r({ factors: 2.5 })).toBe('toy: parameter "factors" must be an integer; got 2.5')
    expect(r({ factors: '8' })).toBe('toy: parameter "factors" must be an integer; got "8"')
    expect(r({ rate: 0 })).toBe('toy: parameter "rate" must be a finite number in (0, 1]; got 0')
    expect(r({ rate: Number.NaN })).toBe('toy: parameter "rate" must be a finite number; got NaN')
    expect(r({ wasm: 'yes' })).toBe('toy: parameter "wasm" must be true or false; got "yes"')
    expect(r({ solver: 'lu' })).toBe('toy: parameter "solver" must be one of "cg", "cholesky"; got "lu"')
    expect(r({ label: 3 })).toBe('toy: parameter "label" must be a string; got 3')
    expect(r({ layers: [] })).toBe('toy: parameter "layers" must be a list of at least 1 integer >= 1; got []')
    expect(r({ layers: [4, 0] })).toBe('toy: parameter "layers" must be a list of at least 1 integer >= 1; got [4, 0]')
    expect(message(() => resolveConfig(SCHEMA, [] as never, { model: 'toy' }))).toBe('toy: options must be an object of parameters; got []')
  })

  it('accepts the edges of each range', () => {
    expect(resolveConfig(SCHEMA, { factors: 1, rate: 1 }, { model: 'toy' })).toMatchObject({ factors: 1, rate: 1 })
    expect(resolveConfig(SCHEMA, { factors: 512, rate: 1e-9 }, { model: 'toy' })).toMatchObject({ factors: 512, rate: 1e-9 })
  })

  it('coerces command-line strings only when asked', () => {
    const c = resolveConfig(SCHEMA, { factors: ' 16 ', rate: '0.25', wasm: 'false', layers: '32,16,8' } as never, { model: 'toy', coerce: true })
    expect(c).toMatchObject({ factors: 16, rate: 0.25, wasm: false, layers: [32, 16, 8] })
    expect(resolveConfig(SCHEMA, { wasm: '1' } as never, { model: 'toy', coerce: true }).wasm).toBe(true)
    expect(message(() => resolveConfig(SCHEMA, { factors: '' } as never, { model: 'toy', coerce: true }))).toContain('"factors" must be an integer')
    expect(message(() => resolveConfig(SCHEMA, { layers: '8,,4' } as never, { model: 'toy', coerce: true }))).toContain('"layers" must be a list')
    expect(message(() => resolveConfig(SCHEMA, { wasm: 'maybe' } as never, { model: 'toy', coerce: true }))).toContain('"wasm" must be true or false')
  })

  it('refuses a schema whose default breaks its own rule', () => {
    expect(message(() => defineParams({ n: param.int({ default: 0, min: 1, description: 'n' }) }))).toBe('the default of parameter "n" must be an integer >= 1; got 0')
  })

  it('describes types and formats values for tables', () => {
    expect(describeParamType(SCHEMA.factors)).toBe('int in [1, 512]')
    expect(describeParamType(SCHEMA.rate)).toBe('float in (0, 1]')
    expect(describeParamType(SCHEMA.solver)).toBe('cg | cholesky')
    expect(describeParamType(SCHEMA.layers)).toBe('ints >= 1')
    expect(describeParamType(param.float({ default: 1, min: 0, exclusiveMin: true, description: '' }))).toBe('float > 0')
    expect(formatParamValue([64, 32])).toBe('64,32')
    expect(formatParamValue(false)).toBe('false')
    expect(paramsTable(defineParams({ solver: SCHEMA.solver, layers: SCHEMA.layers, pipe: param.string({ default: 'a|b', description: 'x | y' }) }))).toBe(
      [
        '| parameter | type | default | description |',
        '|---|---|---|---|',
        '| `solver` | cg \\| cholesky | `cg` | solver |',
        '| `layers` | ints >= 1 | `16,8` | layer sizes |',
        '| `pipe` | string | `a\\|b` | x \\| y |',
      ].join('\n'),
    )
  })
})

describe('protocols', () => {
  it('lists the protocols of EVAL.md and their kinds', () => {
    expect(PROTOCOLS).toEqual(['rating-holdout', 'rating-folds', 'loo-sampled', 'holdout-full', 'temporal-full', 'given', 'replay'])
    expect(PROTOCOLS.map(protocolKind)).toEqual(['rating', 'rating', 'sampled', 'full', 'full', 'full', 'replay'])
    expect(isProtocol('holdout-full')).toBe(true)
    expect(isProtocol('holdout')).toBe(false)
    expect(parseProtocol('given', ['given', 'replay'])).toBe('given')
    expect(() => parseProtocol('loo', ['given', 'replay'])).toThrow('unknown protocol "loo"; expected one of given, replay')
  })
})

const TOY_PARAMS = defineParams({ bonus: param.float({ default: 1, min: 0, description: 'bonus' }) })

class Toy extends BaseRecommender<ConfigOf<typeof TOY_PARAMS>, { items: number }> {
  static override readonly formatVersion = 2
  static override readonly params = TOY_PARAMS
  readonly name = 'toy'
  weights = new Float32Array(0)
  restoredFrom = 0
  protected async fitModel(data: Interactions, _opts: FitOptions): Promise<void> {
    this.weights = Float32Array.from({ length: data.items.size }, (_, i) => i * this.config.bonus)
    this.fitReport = { items: data.items.size }
  }
  protected scoreAll(_user: number, out: Float32Array): void {
    out.set(this.weights)
  }
  protected override saveState(): ModelState {
    return { meta: { note: 'v2' }, tensors: { weights: this.weights } }
  }
  static override upgradeConfig(config: Readonly<Record<string, unknown>>, version: number): Record<string, unknown> {
    // format 1 called the bonus "b"
    return version === 1 ? renameParams(config, { b: 'bonus' }) : { ...config }
  }
  protected override restoreState(a: ModelArtifacts, version: number): void {
    // format 1 stored the weights under another name
    this.weights = requireTensor(a, version === 1 ? 'w' : 'weights', Float32Array)
    this.restoredFrom = version
  }
}

describe('BaseRecommender save and load', () => {
  const fx = plantedFixture()

  it('resolves the config through the static params schema, naming the model in errors', () => {
    expect(new Toy().config).toEqual({ bonus: 1 })
    expect(new Toy({ bonus: 2 }).config).toEqual({ bonus: 2 })
    expect(Object.isFrozen(new Toy().config)).toBe(true)
    expect(() => new Toy({ bonus: -1 })).toThrow('toy: parameter "bonus" must be a finite number >= 0; got -1')
    expect(() => new Toy({ lr: 1 } as ConfigInput<typeof TOY_PARAMS>)).toThrow('toy: unknown parameter "lr"; its parameters are bonus')
    expect(() => new Toy({ bonus: '2' } as never)).toThrow('toy: parameter "bonus" must be a finite number; got "2"')
  })

  it('reads back what the last fit reported as lastFit (undefined before fit and after load)', async () => {
    const m = new Toy()
    expect(m.lastFit).toBeUndefined()
    await m.fit(fx.train)
    expect(m.lastFit).toEqual({ items: fx.train.items.size })
    expect((await Toy.load(await m.save())).lastFit).toBeUndefined()
  })

  it('saves name, format, config, vocabularies and state, and loads them back through the bytes', async () => {
    const m = new Toy({ bonus: 2 })
    await m.fit(fx.train)
    const a = await m.save()
    expect(a.model).toBe('toy')
    expect(a.formatVersion).toBe(2)
    expect(a.config).toEqual({ bonus: 2 })
    expect(a.meta?.note).toBe('v2')
    expect(Object.keys(a.tensors).sort()).toEqual(['seenIndices', 'seenIndptr', 'weights'])
    const again = (await Toy.load(decodeArtifacts(encodeArtifacts(a)))) as Toy
    expect(again).toBeInstanceOf(Toy)
    expect(again.config).toEqual({ bonus: 2 })
    expect(again.restoredFrom).toBe(2)
    expect(Array.from(again.recommend(0, { k: 3 }).items)).toEqual(Array.from(m.recommend(0, { k: 3 }).items))
  })

  it('reads an older format through restoreState', async () => {
    const m = new Toy()
    await m.fit(fx.train)
    const a = await m.save()
    const { weights, ...rest } = a.tensors
    const again = (await Toy.load({ ...a, formatVersion: 1, config: { b: 3 }, tensors: { ...rest, w: weights! } })) as Toy
    expect(again.restoredFrom).toBe(1)
    expect(again.config).toEqual({ bonus: 3 })
    expect(renameParams({ lr: 1, reg: 2, seed: 3 }, { lr: 'learningRate', reg: 'l2' })).toEqual({ learningRate: 1, l2: 2, seed: 3 })
    expect(renameParams({ lr: 1, learningRate: 2 }, { lr: 'learningRate' })).toEqual({ learningRate: 2 })
  })

  it('refuses artifacts of another model, a newer format, or a config the constructor rejects', async () => {
    const m = new Toy()
    await m.fit(fx.train)
    const a = await m.save()
    await expect(Toy.load({ ...a, model: 'other' })).rejects.toThrow('artifacts are for model "other"; expected "toy"')
    await expect(Toy.load({ ...a, formatVersion: 3 })).rejects.toMatchObject({ code: 'UNSUPPORTED_VERSION' })
    const bad = Toy.load({ ...a, config: { bonus: -1 } })
    await expect(bad).rejects.toMatchObject({ code: 'PARSE_ERROR' })
    await expect(Toy.load({ ...a, config: { lr: 1 } })).rejects.toThrow(/artifacts of model "toy" \(format 2\) hold a config this build rejects: toy: unknown parameter "lr"/)
    await expect(Toy.load({ ...a, tensors: { seenIndptr: a.tensors.seenIndptr!, seenIndices: a.tensors.seenIndices! } })).rejects.toMatchObject({ code: 'PARSE_ERROR' })
  })
})

describe('nested artifacts', () => {
  it('round-trips a child model inside a parent, through the bytes', async () => {
    const child = new Toy({ bonus: 3 })
    await child.fit(plantedFixture().train)
    const saved = await child.save()
    const nested = nestArtifacts('cf', saved)
    expect(Object.keys(nested.tensors).sort()).toEqual(['cf.seenIndices', 'cf.seenIndptr', 'cf.weights'])
    const parent: ModelArtifacts = { model: 'parent', formatVersion: 1, config: {}, meta: { own: 1, ...nested.meta }, tensors: { mine: new Float64Array([1, 2]), ...nested.tensors } }
    const back = unnestArtifacts(decodeArtifacts(encodeArtifacts(parent)), 'cf')
    expect(back.model).toBe('toy')
    expect(back.formatVersion).toBe(2)
    expect(back.config).toEqual({ bonus: 3 })
    expect(Object.keys(back.tensors).sort()).toEqual(['seenIndices', 'seenIndptr', 'weights'])
    const again = (await Toy.load(back)) as Toy
    expect(Array.from(again.weights)).toEqual(Array.from(child.weights))
  })

  it('decodes from a Node Buffer as from a Uint8Array', () => {
    const a: ModelArtifacts = { model: 'x', formatVersion: 1, config: {}, tensors: { w: new Float32Array([1.5, -2, 3]), n: new Int32Array([7, 8]) } }
    const bytes = encodeArtifacts(a)
    // a small Buffer lives at an offset inside Node's shared pool
    const buf = Buffer.from(bytes)
    const back = decodeArtifacts(buf)
    expect(Array.from(back.tensors.w as Float32Array)).toEqual([1.5, -2, 3])
    expect(Array.from(back.tensors.n as Int32Array)).toEqual([7, 8])
  })

  it('names what is missing', () => {
    expect(() => unnestArtifacts({ model: 'hybrid', formatVersion: 1, config: {}, tensors: {} }, 'cf')).toThrow('model "hybrid" artifacts hold no nested model under "cf"')
    expect(() => nestArtifacts('a.b', { model: 'x', formatVersion: 1, config: {}, tensors: {} })).toThrow(/without dots/)
  })
})
