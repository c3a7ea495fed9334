import { RecForgeError } from './errors'

interface ParamCommon<T> {
  /** The value used when the parameter is not given. */
  readonly default: T
  /** One line for `recforge models`, README tables and error messages. */
  readonly description: string
}

/** An integer parameter, optionally bounded (inclusive). */
export interface IntParam extends ParamCommon<number> {
  readonly type: 'int'
  readonly min?: number
  readonly max?: number
}

/** A finite number, optionally bounded; `exclusiveMin`/`exclusiveMax` make a bound strict. */
export interface FloatParam extends ParamCommon<number> {
  readonly type: 'float'
  readonly min?: number
  readonly max?: number
  readonly exclusiveMin?: boolean
  readonly exclusiveMax?: boolean
}

/** `true` or `false`. */
export interface BoolParam extends ParamCommon<boolean> {
  readonly type: 'bool'
}

/** One of a closed list of strings. */
export interface EnumParam<V extends string = string> extends ParamCommon<V> {
  readonly type: 'enum'
  readonly values: readonly V[]
}

/** Free text. */
export interface StringParam extends ParamCommon<string> {
  readonly type: 'string'
}

/** A list of integers (layer sizes, say), written `64,32,16` on the command line. */
export interface IntListParam extends ParamCommon<readonly number[]> {
  readonly type: 'ints'
  /** Smallest allowed element. */
  readonly min?: number
  /** Fewest elements. Defaults to `1`. */
  readonly minLength?: number
}

/** One tunable parameter of a model: its type, default, range and description. */
export type ParamSpec = IntParam | FloatParam | BoolParam | EnumParam | StringParam | IntListParam

/** A model's parameters by name. The model's constructor and its registry entry share one such object. */
export type ParamSchema = Readonly<Record<string, ParamSpec>>

/** The value type of one parameter. */
export type ParamValueOf<S extends ParamSpec> = S extends EnumParam<infer V>
  ? V
  : S extends BoolParam
    ? boolean
    : S extends IntListParam
      ? number[]
      : S extends StringParam
        ? string
        : number

/** A complete, checked configuration of a schema: every parameter present. */
export type ConfigOf<S extends ParamSchema> = { -readonly [K in keyof S]: ParamValueOf<S[K]> }

/** What a user passes: any subset of the parameters; missing ones take their defaults. */
export type ConfigInput<S extends ParamSchema> = { [K in keyof S]?: ParamValueOf<S[K]> | undefined }

/** Any parameter value. */
export type ParamValue = number | boolean | string | number[]

/** Parameter values by name (a resolved configuration, schema-agnostic). */
export type ParamValues = Record<string, ParamValue>

/** A spec as written to a builder: everything but its `type`. */
type Spec<T extends ParamSpec> = Omit<T, 'type'>

/**
 * Builders for parameter schemas. A schema written with them is the single source of a model's
 * parameters: the constructor resolves its config through it, the registry lists it, README
 * tables are checked against it.
 *
 * @example
 * ```ts
 * const ALS_PARAMS = defineParams({
 *   factors: param.int({ default: 64, min: 1, description: 'number of latent factors' }),
 *   solver: param.enumOf({ values: ['cg', 'cholesky'], default: 'cg', description: 'per-row solver' }),
 * })
 * type ALSConfig = ConfigOf<typeof ALS_PARAMS> // { factors: number; solver: 'cg' | 'cholesky' }
 * ```
 */
export const param = {
  int: (spec: Spec<IntParam>): IntParam => ({ type: 'int', ...spec }),
  float: (spec: Spec<FloatParam>): FloatParam => ({ type: 'float', ...spec }),
  bool: (spec: Spec<BoolParam>): BoolParam => ({ type: 'bool', ...spec }),
  enumOf: <const V extends string>(spec: { values: readonly V[]; default: NoInfer<V>; description: string }): EnumParam<V> => ({ type: 'enum', ...spec }),
  string: (spec: Spec<StringParam>): StringParam => ({ type: 'string', ...spec }),
  ints: (spec: Spec<IntListParam>): IntListParam => ({ type: 'ints', ...spec }),
} as const

/**
 * Checks a schema once, where it is written (defaults inside their own ranges, enum defaults
 * among the values), and returns it typed as given.
 *
 * @throws RecForgeError INVALID_ARGUMENT for a default that its own spec rejects.
 */
export function defineParams<const S extends ParamSchema>(schema: S): S {
  for (const [key, spec] of Object.entries(schema)) checkValue(spec, spec.default, () => `the default of parameter "${key}"`)
  return schema
}

/** Options of {@link resolveConfig}. */
export interface ResolveOptions {
  /** The model's name, for messages. */
  readonly model: string
  /**
   * Accept strings for numbers, booleans and lists (`--set factors=64` on the command line).
   * Defaults to `false`: a JavaScript caller passing `'64'` for a number gets an error.
   */
  readonly coerce?: boolean
}

/**
 * Fills defaults, checks types, ranges and enums, and rejects unknown keys: the one resolver of
 * model parameters.
 *
 * @example
 * ```ts
 * resolveConfig(ALS_PARAMS, { factors: 32 }, { model: 'als' }) // { factors: 32, solver: 'cg' }
 * resolveConfig(ALS_PARAMS, { factors: '32' }, { model: 'als', coerce: true }) // from the CLI
 * ```
 * @throws RecForgeError INVALID_ARGUMENT naming the parameter, what it must be and what arrived.
 */
export function resolveConfig<S extends ParamSchema>(schema: S, given: object | undefined, opts: ResolveOptions): ConfigOf<S> {
  return resolveNamed(schema, given, () => opts.model, opts.coerce ?? false)
}

/**
 * {@link resolveConfig} with the model's name for messages computed only when one is written
 * (BaseRecommender's constructor learns it from a default instance, which it cannot build first).
 */
export function resolveNamed<S extends ParamSchema>(schema: S, given: object | undefined, model: () => string, coerceStrings: boolean): ConfigOf<S> {
  const input = given ?? {}
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new RecForgeError('INVALID_ARGUMENT', `${model()}: options must be an object of parameters; got ${describe(input)}`)
  }
  const known = Object.keys(schema)
  for (const key of Object.keys(input)) {
    if (!Object.prototype.hasOwnProperty.call(schema, key)) {
      throw new RecForgeError('INVALID_ARGUMENT', `${model()}: unknown parameter "${key}"; its parameters are ${known.join(', ') || 'none'}`)
    }
  }
  const out: Record<string, ParamValue> = {}
  for (const key of known) {
    const spec = schema[key]!
    const raw = (input as Record<string, unknown>)[key]
    if (raw === undefined) {
      out[key] = copy(spec.default)
      continue
    }
    const value = coerceStrings ? coerce(spec, raw) : raw
    out[key] = checkValue(spec, value, () => `${model()}: parameter "${key}"`)
  }
  return out as ConfigOf<S>
}

/** The defaults of a schema as a complete configuration. */
export function defaultConfig<S extends ParamSchema>(schema: S): ConfigOf<S> {
  const out: Record<string, ParamValue> = {}
  for (const [key, spec] of Object.entries(schema)) out[key] = copy(spec.default)
  return out as ConfigOf<S>
}

/** Formats a parameter value for tables and the command line (`64`, `cg`, `64,32,16`). */
export function formatParamValue(v: ParamValue | readonly number[]): string {
  return typeof v === 'object' ? v.join(',') : String(v)
}

/** A one-line summary of a spec's type and range, e.g. `int >= 1`, `float in (0, 1]`, `cg | cholesky`. */
export function describeParamType(spec: ParamSpec): string {
  switch (spec.type) {
    case 'int':
    case 'float':
      return `${spec.type}${rangeText(spec)}`
    case 'bool':
      return 'bool'
    case 'enum':
      return spec.values.join(' | ')
    case 'string':
      return 'string'
    case 'ints':
      return `ints${spec.min !== undefined ? ` >= ${spec.min}` : ''}`
  }
}

function copy(v: ParamSpec['default']): ParamValue {
  return typeof v === 'object' ? [...v] : v
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 60) + '…' : v)
  if (Array.isArray(v)) return `[${v.map(describe).join(', ')}]`
  if (v === null) return 'null'
  if (typeof v === 'object') return 'an object'
  return String(v)
}

function rangeText(spec: IntParam | FloatParam): string {
  const lo = spec.min
  const hi = spec.max
  const exLo = spec.type === 'float' && spec.exclusiveMin
  const exHi = spec.type === 'float' && spec.exclusiveMax
  if (lo !== undefined && hi !== undefined) return ` in ${exLo ? '(' : '['}${lo}, ${hi}${exHi ? ')' : ']'}`
  if (lo !== undefined) return ` ${exLo ? '>' : '>='} ${lo}`
  if (hi !== undefined) return ` ${exHi ? '<' : '<='} ${hi}`
  return ''
}

function coerce(spec: ParamSpec, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw
  const s = raw.trim()
  switch (spec.type) {
    case 'int':
    case 'float':
      return s === '' ? raw : Number(s)
    case 'bool':
      return s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : raw
    case 'ints':
      return s === '' ? [] : s.split(',').map((x) => (x.trim() === '' ? Number.NaN : Number(x)))
    default:
      return raw
  }
}

function checkValue(spec: ParamSpec, v: unknown, where: () => string): ParamValue {
  const fail = (expected: string): never => {
    throw new RecForgeError('INVALID_ARGUMENT', `${where()} must be ${expected}; got ${describe(v)}`)
  }
  switch (spec.type) {
    case 'int':
    case 'float': {
      const what = spec.type === 'int' ? 'an integer' : 'a finite number'
      if (typeof v !== 'number' || !Number.isFinite(v) || (spec.type === 'int' && !Number.isInteger(v))) fail(what)
      const n = v as number
      const exLo = spec.type === 'float' && spec.exclusiveMin
      const exHi = spec.type === 'float' && spec.exclusiveMax
      const below = spec.min !== undefined && (exLo ? n <= spec.min : n < spec.min)
      const above = spec.max !== undefined && (exHi ? n >= spec.max : n > spec.max)
      if (below || above) fail(`${what}${rangeText(spec)}`)
      return n
    }
    case 'bool':
      if (typeof v !== 'boolean') fail('true or false')
      return v as boolean
    case 'enum':
      if (typeof v !== 'string' || !spec.values.includes(v)) fail(`one of ${spec.values.map((x) => JSON.stringify(x)).join(', ')}`)
      return v as string
    case 'string':
      if (typeof v !== 'string') fail('a string')
      return v as string
    case 'ints': {
      const minLength = spec.minLength ?? 1
      const what = `a list of at least ${minLength} integer${minLength === 1 ? '' : 's'}${spec.min !== undefined ? ` >= ${spec.min}` : ''}`
      if (!Array.isArray(v) || v.length < minLength) fail(what)
      for (const x of v as unknown[]) {
        if (typeof x !== 'number' || !Number.isInteger(x) || (spec.min !== undefined && x < spec.min)) fail(what)
      }
      return [...(v as number[])]
    }
  }
}

/**
 * A saved config with renamed parameters under their new names, for a model's `upgradeConfig`
 * (`renameParams(config, { lr: 'learningRate', reg: 'l2' })`). A key already present under its
 * new name wins.
 */
export function renameParams(config: Readonly<Record<string, unknown>>, renames: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(config)) {
    const to = renames[key]
    if (to === undefined) out[key] = value
    else if (!(to in config)) out[to] = value
  }
  return out
}

/**
 * A Markdown table of a schema's parameters (name, type and range, default, description), the
 * form package READMEs show between `<!-- params:<model> -->` markers.
 */
export function paramsTable(schema: ParamSchema): string {
  const esc = (t: string) => t.replace(/\|/g, '\\|')
  const rows = Object.entries(schema).map(([key, spec]) => `| \`${key}\` | ${esc(describeParamType(spec))} | \`${esc(formatParamValue(spec.default))}\` | ${esc(spec.description)} |`)
  return ['| parameter | type | default | description |', '|---|---|---|---|', ...rows].join('\n')
}
