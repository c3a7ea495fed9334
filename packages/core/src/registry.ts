import { RecForgeError } from './errors'
import { resolveConfig, type ConfigOf, type ParamSchema, type ParamValue, type ParamValues } from './params'
import type { ModelArtifacts, Recommender } from './types'

/** What the model is for: rating prediction, top-N ranking, or both. */
export type ModelTask = 'rating' | 'ranking' | 'both'

/**
 * How a package plugs a model into `recforge` by name. `params` is the same schema object the
 * model's constructor resolves its config with, so defaults, ranges and descriptions exist once.
 *
 * @example
 * ```ts
 * export const easeModel = defineModel({ name: 'ease', task: 'ranking', params: EASE_PARAMS, model: EASE, package: '@recforge/baselines', description: 'EASE (Steck 2019)' })
 * ```
 */
export interface ModelDefinition<S extends ParamSchema = ParamSchema> {
  readonly name: string
  readonly description: string
  readonly package: string
  readonly task: ModelTask
  /** Whether fit needs timestamps (sequence models). Defaults to `false`. */
  readonly needsTimestamps?: boolean
  /** Whether fit needs item side information (`FitOptions.itemInfo`). Defaults to `false`. */
  readonly needsItemInfo?: boolean
  /** The model's parameter schema (the one its constructor uses). */
  readonly params: S
  /** A model from a complete, checked configuration. */
  create(config: ConfigOf<S>): Recommender<object>
  load(artifacts: ModelArtifacts): Promise<Recommender<object>>
}

/**
 * The class side a registry entry can name instead of `create` and `load`: a constructor taking
 * the resolved config and the static `load` every {@link BaseRecommender} has.
 */
export interface ModelClass<S extends ParamSchema = ParamSchema> {
  new (config: ConfigOf<S>): Recommender<object>
  load(artifacts: ModelArtifacts): Promise<Recommender<object>>
}

/** A registry entry as written: `model` (the class) or both `create` and `load`. */
export type ModelEntry<S extends ParamSchema> = Omit<ModelDefinition<S>, 'create' | 'load'> &
  ({ readonly model: ModelClass<S> } | Pick<ModelDefinition<S>, 'create' | 'load'>)

/**
 * Types a registry entry against its schema (the model's constructor receives
 * `ConfigOf<typeof schema>`) and returns it as a plain {@link ModelDefinition} for registries and
 * lists. With `model`, `create` is `new model(config)` and `load` is `model.load(artifacts)`.
 */
export function defineModel<const S extends ParamSchema>(entry: ModelEntry<S>): ModelDefinition {
  if (!('model' in entry)) return entry as unknown as ModelDefinition
  const { model, ...rest } = entry
  const def: ModelDefinition<S> = { ...rest, create: (config) => new model(config), load: (artifacts) => model.load(artifacts) }
  return def as unknown as ModelDefinition
}

/**
 * Fills defaults and checks types and ranges of parameter values, rejecting unknown keys;
 * strings are coerced (for `--set key=value`).
 *
 * @throws RecForgeError INVALID_ARGUMENT naming the parameter.
 */
export function resolveParams(def: ModelDefinition, given: Readonly<Record<string, ParamValue | undefined>> = {}): ParamValues {
  return resolveConfig(def.params, given, { model: `model "${def.name}"`, coerce: true })
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
    return { model: def.create(resolved as ConfigOf<ParamSchema>), params: resolved }
  }
}
