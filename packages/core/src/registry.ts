import { RecForgeError } from './errors'
import type { ModelArtifacts, Recommender } from './types'

/** One tunable parameter of a registered model. */
export type ParamSpec =
  | { type: 'int' | 'float'; default: number; description: string; min?: number; max?: number }
  | { type: 'bool'; default: boolean; description: string }
  | { type: 'string'; default: string; description: string }
  | { type: 'enum'; default: string; description: string; values: readonly string[] }

export type ParamValue = number | boolean | string
export type ParamValues = Record<string, ParamValue>

/** What the model is for: rating prediction, top-N ranking, or both. */
export type ModelTask = 'rating' | 'ranking' | 'both'

/**
 * How a package plugs a model into `recforge` by name.
 *
 * @example
 * ```ts
 * export const easeModel: ModelDefinition = {
 *   name: 'ease', description: 'EASE (Steck 2019)', package: '@recforge/baselines', task: 'ranking',
 *   params: { lambda: { type: 'float', default: 500, description: 'L2 penalty', min: 0 } },
 *   create: (p) => new EASE({ lambda: p.lambda as number }),
 *   load: (a) => EASE.load(a),
 * }
 * ```
 */
export interface ModelDefinition {
  readonly name: string
  readonly description: string
  readonly package: string
  readonly task: ModelTask
  /** Whether fit needs timestamps (sequence models). Defaults to `false`. */
  readonly needsTimestamps?: boolean
  /** Whether fit needs item side information (`FitOptions.itemInfo`). Defaults to `false`. */
  readonly needsItemInfo?: boolean
  readonly params: Readonly<Record<string, ParamSpec>>
  create(params: ParamValues): Recommender<object>
  load(artifacts: ModelArtifacts): Promise<Recommender<object>>
}

/** Fills defaults and checks types and ranges of parameter values; strings are coerced (for `--set key=value`). */
export function resolveParams(def: ModelDefinition, given: Record<string, ParamValue | undefined> = {}): ParamValues {
  const out: ParamValues = {}
  for (const key of Object.keys(given)) {
    if (!(key in def.params)) {
      throw new RecForgeError('INVALID_ARGUMENT', `model "${def.name}" has no parameter "${key}"; it has ${Object.keys(def.params).join(', ') || 'none'}`)
    }
  }
  for (const [key, spec] of Object.entries(def.params)) {
    const raw = given[key]
    if (raw === undefined) {
      out[key] = spec.default
      continue
    }
    const where = `parameter "${key}" of model "${def.name}"`
    switch (spec.type) {
      case 'int':
      case 'float': {
        const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN
        if (!Number.isFinite(v) || (spec.type === 'int' && !Number.isInteger(v))) {
          throw new RecForgeError('INVALID_ARGUMENT', `${where} must be ${spec.type === 'int' ? 'an integer' : 'a number'}; got ${JSON.stringify(raw)}`)
        }
        if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
          throw new RecForgeError('INVALID_ARGUMENT', `${where} must be within [${spec.min ?? '-inf'}, ${spec.max ?? 'inf'}]; got ${v}`)
        }
        out[key] = v
        break
      }
      case 'bool': {
        const v = typeof raw === 'boolean' ? raw : raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : undefined
        if (v === undefined) throw new RecForgeError('INVALID_ARGUMENT', `${where} must be true or false; got ${JSON.stringify(raw)}`)
        out[key] = v
        break
      }
      case 'enum': {
        if (typeof raw !== 'string' || !spec.values.includes(raw)) {
          throw new RecForgeError('INVALID_ARGUMENT', `${where} must be one of ${spec.values.join(', ')}; got ${JSON.stringify(raw)}`)
        }
        out[key] = raw
        break
      }
      case 'string':
        out[key] = String(raw)
        break
    }
  }
  return out
}

/** A name → definition map that packages register into. */
export class ModelRegistry {
  private readonly defs = new Map<string, ModelDefinition>()

  register(...defs: readonly ModelDefinition[]): this {
    for (const d of defs) {
      if (this.defs.has(d.name)) throw new RecForgeError('INVALID_ARGUMENT', `a model named "${d.name}" is already registered (from ${this.defs.get(d.name)!.package})`)
      this.defs.set(d.name, d)
    }
    return this
  }

  get(name: string): ModelDefinition {
    const d = this.defs.get(name)
    if (!d) throw new RecForgeError('UNKNOWN_ID', `unknown model "${name}"; registered models: ${[...this.defs.keys()].sort().join(', ')}`)
    return d
  }

  has(name: string): boolean {
    return this.defs.has(name)
  }

  list(): ModelDefinition[] {
    return [...this.defs.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  /** Creates a model with defaults filled and overrides checked. */
  create(name: string, params: Record<string, ParamValue | undefined> = {}): { model: Recommender<object>; params: ParamValues } {
    const def = this.get(name)
    const resolved = resolveParams(def, params)
    return { model: def.create(resolved), params: resolved }
  }
}
