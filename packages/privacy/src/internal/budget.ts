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

/** The steps of a Poisson-sampled training run and, with privacy, its noise and guarantee. */
export interface TrainingSchedule {
  /** Probability that a unit takes part in one step: expected units per step / units, at most 1. */
  readonly sampleRate: number
  /** Steps per epoch, ⌈1 / sampleRate⌉: an epoch sees each unit once on average. */
  readonly stepsPerEpoch: number
  readonly steps: number
  /** The noise and the guarantee; `undefined` without privacy. */
  readonly plan: DpPlan | undefined
}

/**
 * The schedule of `epochs` epochs of Poisson-sampled steps over `units` units with
 * `perStep` expected in each, and with `dp` the noise that keeps them within `epsilon`
 * (δ = `delta`, or 1/units for 0).
 *
 * @throws RecForgeError INVALID_ARGUMENT as {@link resolveDelta} and {@link planGaussianTraining}.
 */
export function scheduleTraining(opts: {
  model: string
  mechanism: string
  unit: PrivacyUnit
  units: number
  perStep: number
  epochs: number
  dp: boolean
  epsilon: number
  delta: number
  noiseMultiplier: number
}): TrainingSchedule {
  const sampleRate = Math.min(1, opts.perStep / opts.units)
  const stepsPerEpoch = Math.ceil(1 / sampleRate)
  const steps = opts.epochs * stepsPerEpoch
  const plan = opts.dp
    ? planGaussianTraining({ ...opts, delta: resolveDelta(opts.model, opts.delta, opts.units, opts.unit), sampleRate, steps })
    : undefined
  return { sampleRate, stepsPerEpoch, steps, plan }
}

/** The progress metrics after `done` steps of `schedule`: the ε spent so far, or nothing without privacy. */
export function spentSoFar(schedule: TrainingSchedule, done: number): Record<string, number> {
  const p = schedule.plan
  return p ? { epsilon: dpSgdEpsilon({ sampleRate: schedule.sampleRate, noiseMultiplier: p.noiseMultiplier, steps: done, delta: p.report.delta }).epsilon } : {}
}
