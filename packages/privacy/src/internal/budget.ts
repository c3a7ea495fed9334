import { RecForgeError } from '@recforge/core'
import { calibrateNoiseMultiplier, dpSgdEpsilon } from '../accountant'
import type { PrivacyReport, PrivacyUnit } from '../report'
import type { DpAccounting } from './factors'

/** The noise of a Poisson-sampled Gaussian training run and the guarantee it buys. */
export interface DpPlan {
  readonly noiseMultiplier: number
  readonly report: PrivacyReport
  readonly accounting: DpAccounting
}

/** The δ a model uses: the configured one, or 1/n for `n` units when it is 0. */
export function resolveDelta(model: string, delta: number, units: number, unit: PrivacyUnit): number {
  if (delta > 0) return delta
  if (units < 2) throw new RecForgeError('INVALID_ARGUMENT', `${model}: delta defaults to 1/n, but the data has ${units} ${unit}${units === 1 ? '' : 's'}; set delta explicitly`)
  return 1 / units
}

/**
 * The noise multiplier of a run of `steps` Poisson-sampled steps at `sampleRate` and its (ε, δ):
 * the configured multiplier, checked against the budget `epsilon`, or (for 0) the smallest one
 * that stays within it.
 *
 * @throws RecForgeError INVALID_ARGUMENT when the configured multiplier spends more than `epsilon`.
 */
export function planGaussianTraining(opts: {
  model: string
  mechanism: string
  unit: PrivacyUnit
  epsilon: number
  delta: number
  noiseMultiplier: number
  sampleRate: number
  steps: number
}): DpPlan {
  const schedule = { sampleRate: opts.sampleRate, steps: opts.steps, delta: opts.delta }
  const sigma = opts.noiseMultiplier > 0 ? opts.noiseMultiplier : calibrateNoiseMultiplier({ ...schedule, epsilon: opts.epsilon })
  const spent = dpSgdEpsilon({ ...schedule, noiseMultiplier: sigma })
  if (spent.epsilon > opts.epsilon) {
    throw new RecForgeError(
      'INVALID_ARGUMENT',
      `${opts.model}: noiseMultiplier ${sigma} over ${opts.steps} steps at sampling rate ${opts.sampleRate.toPrecision(4)} spends epsilon ${spent.epsilon.toPrecision(4)} at delta ${opts.delta.toPrecision(3)}, more than epsilon ${opts.epsilon}; raise noiseMultiplier or epsilon, or set noiseMultiplier to 0 to calibrate it`,
    )
  }
  return {
    noiseMultiplier: sigma,
    report: { epsilon: spent.epsilon, delta: opts.delta, mechanism: opts.mechanism, unit: opts.unit },
    accounting: { noiseMultiplier: sigma, sampleRate: opts.sampleRate, steps: opts.steps, order: spent.order },
  }
}
