import { RecForgeError } from '@recforge/core'

/** What one differentially private guarantee protects: one rating, or everything one user contributed. */
export type PrivacyUnit = 'rating' | 'user'

/**
 * The privacy a fitted model spent, as `recforge evaluate` prints it: the model is
 * (`epsilon`, `delta`)-differentially private for neighbouring datasets that differ in one
 * `unit`, by `mechanism`.
 */
export interface PrivacyReport {
  /** The ε the accountant spent (at most what was asked). */
  readonly epsilon: number
  readonly delta: number
  /** `dp-sgd`, `dp-fedavg`, `laplace` or `gaussian`. */
  readonly mechanism: string
  readonly unit: PrivacyUnit
}

/** A model that reports the privacy it spent once fitted. */
export interface PrivateModel {
  /** The guarantee of the fitted model; `undefined` before fitting or when trained without privacy. */
  readonly privacy: PrivacyReport | undefined
}

function isReport(v: unknown): v is PrivacyReport {
  if (typeof v !== 'object' || v === null) return false
  const r = v as Record<string, unknown>
  return typeof r.epsilon === 'number' && typeof r.delta === 'number' && typeof r.mechanism === 'string' && (r.unit === 'rating' || r.unit === 'user')
}

/**
 * The privacy report of any fitted model, or `undefined` for a model that reports none (every
 * model outside this package, or one trained with `dp: false`).
 *
 * @example
 * ```ts
 * const privacy = privacyReportOf(model) // { epsilon: 0.99, delta: 1.2e-5, mechanism: 'dp-sgd', unit: 'rating' }
 * ```
 */
export function privacyReportOf(model: object): PrivacyReport | undefined {
  const p = (model as Partial<PrivateModel>).privacy
  return isReport(p) ? { epsilon: p.epsilon, delta: p.delta, mechanism: p.mechanism, unit: p.unit } : undefined
}

/**
 * One guarantee that holds for each of several models trained the same way on different data
 * (the folds of a cross-validation): the largest ε and δ among them. Models trained on
 * overlapping data and released together compose instead; this does not add them up.
 *
 * @example
 * ```ts
 * weakestPrivacy(folds.map((m) => privacyReportOf(m)!)) // for the JSON of `recforge evaluate`
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an empty list, or reports of different mechanisms or units.
 */
export function weakestPrivacy(reports: readonly PrivacyReport[]): PrivacyReport {
  const first = reports[0]
  if (!first) throw new RecForgeError('INVALID_ARGUMENT', 'weakestPrivacy needs at least one report')
  let epsilon = first.epsilon
  let delta = first.delta
  for (const r of reports) {
    if (r.mechanism !== first.mechanism || r.unit !== first.unit) {
      throw new RecForgeError('INVALID_ARGUMENT', `privacy reports differ: ${first.mechanism} per ${first.unit} and ${r.mechanism} per ${r.unit}`)
    }
    epsilon = Math.max(epsilon, r.epsilon)
    delta = Math.max(delta, r.delta)
  }
  return { epsilon, delta, mechanism: first.mechanism, unit: first.unit }
}

/** Checks a report read back from saved artifacts. */
export function readPrivacyReport(v: unknown, model: string): PrivacyReport | undefined {
  if (v === undefined || v === null) return undefined
  if (!isReport(v)) throw new RecForgeError('PARSE_ERROR', `${model} artifacts hold a malformed privacy report: ${JSON.stringify(v)}`)
  return { epsilon: v.epsilon, delta: v.delta, mechanism: v.mechanism, unit: v.unit }
}
