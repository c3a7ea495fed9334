import { BaseRecommender, Random, RecForgeError, requireTensor, validateInteractions, type FitOptions, type Interactions, type ModelArtifacts, type ModelState } from '@recforge/core'
import { readPrivacyReport, type PrivacyReport, type PrivateModel } from '../report'
import type { DpPlan } from './budget'

/** How the accountant saw a private training run. */
export interface DpAccounting {
  /** Noise standard deviation over the clipping norm. */
  readonly noiseMultiplier: number
  /** Probability that a unit (rating, user, client) took part in one step. */
  readonly sampleRate: number
  /** Noisy steps (batches, rounds). */
  readonly steps: number
  /** The RDP order whose bound gave ε. */
  readonly order: number
  /** The step size training used, where the noise cap lowered it below the configured one. */
  readonly learningRate?: number
}

/** The parameters of a biased factor model, r̂(u, i) = μ + b_u + b_i + p_u · q_i. */
export interface FactorState {
  readonly k: number
  mu: number
  readonly P: Float64Array
  readonly Q: Float64Array
  readonly bu: Float64Array
  readonly bi: Float64Array
}

/** A fresh factor state: zero biases and mean, factors N(0, initStd²) from `normal`. */
export function initialFactors(users: number, items: number, k: number, initStd: number, normal: () => number): FactorState {
  const P = new Float64Array(users * k)
  const Q = new Float64Array(items * k)
  for (let j = 0; j < P.length; j++) P[j] = initStd * normal()
  for (let j = 0; j < Q.length; j++) Q[j] = initStd * normal()
  return { k, mu: 0, P, Q, bu: new Float64Array(users), bi: new Float64Array(items) }
}

/** The prediction error r - r̂ of (u, i) under `s`. */
export function residual(s: FactorState, u: number, i: number, r: number): number {
  const k = s.k
  let dot = 0
  for (let f = 0; f < k; f++) dot += s.P[u * k + f]! * s.Q[i * k + f]!
  return r - s.mu - s.bu[u]! - s.bi[i]! - dot
}

/** What a private factor model's training gives back. */
export interface TrainedFactors {
  readonly state: FactorState
  /** The noise and guarantee of the run; `undefined` without privacy. */
  readonly plan: DpPlan | undefined
  /** The step size used, where it is below the configured one. */
  readonly learningRate?: number
}

/**
 * The shared part of the private factor models: checking the data and seeding the fit, scoring
 * r̂ = μ + b_u + b_i + p_u · q_i, the privacy report, and saving both. A model implements
 * `train`.
 */
export abstract class PrivateFactorModel<Config extends { readonly seed: number }> extends BaseRecommender<Config> implements PrivateModel {
  protected factorState: FactorState | undefined
  protected report: PrivacyReport | undefined
  protected dpAccounting: DpAccounting | undefined

  /** Trains on checked data with `rng` seeded from the fit's seed or the configured one. */
  protected abstract train(data: Interactions, opts: FitOptions, rng: Random): Promise<TrainedFactors>

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    validateInteractions(data)
    const { state, plan, learningRate } = await this.train(data, opts, new Random(opts.seed ?? this.config.seed))
    this.factorState = state
    this.report = plan?.report
    this.dpAccounting = plan && { ...plan.accounting, ...(learningRate !== undefined ? { learningRate } : {}) }
  }

  /** The privacy the fitted model spent; `undefined` before fit and with `dp: false`. */
  get privacy(): PrivacyReport | undefined {
    return this.report
  }

  /** Noise multiplier, sampling rate, steps and RDP order of the fitted model's training; `undefined` without privacy. */
  get accounting(): DpAccounting | undefined {
    return this.dpAccounting
  }

  protected scoreAll(user: number, out: Float32Array): void {
    const s = this.factorState!
    const k = s.k
    const base = s.mu + s.bu[user]!
    const uo = user * k
    for (let i = 0; i < out.length; i++) {
      let dot = 0
      for (let f = 0; f < k; f++) dot += s.P[uo + f]! * s.Q[i * k + f]!
      out[i] = base + s.bi[i]! + dot
    }
  }

  protected override saveState(): ModelState {
    const s = this.factorState!
    return {
      meta: { factors: s.k, mu: s.mu, privacy: this.report ?? null, accounting: this.dpAccounting ?? null },
      tensors: { userFactors: s.P, itemFactors: s.Q, userBias: s.bu, itemBias: s.bi },
    }
  }

  protected override restoreState(a: ModelArtifacts): void {
    const meta = a.meta ?? {}
    const k = meta.factors
    const mu = meta.mu
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || typeof mu !== 'number') {
      throw new RecForgeError('PARSE_ERROR', `${this.name} artifacts lack the number of factors or the global mean`)
    }
    const nu = this.numUsers
    const ni = this.numItems
    const tensor = (name: string, length: number) => {
      const t = requireTensor(a, name, Float64Array)
      if (t.length !== length) throw new RecForgeError('PARSE_ERROR', `${this.name} artifacts: ${name} has ${t.length} values; expected ${length}`)
      return t
    }
    this.factorState = { k, mu, P: tensor('userFactors', nu * k), Q: tensor('itemFactors', ni * k), bu: tensor('userBias', nu), bi: tensor('itemBias', ni) }
    this.report = readPrivacyReport(meta.privacy, this.name)
    const acc = meta.accounting as Partial<DpAccounting> | null | undefined
    this.dpAccounting =
      acc && typeof acc.noiseMultiplier === 'number' && typeof acc.sampleRate === 'number' && typeof acc.steps === 'number' && typeof acc.order === 'number'
        ? {
            noiseMultiplier: acc.noiseMultiplier,
            sampleRate: acc.sampleRate,
            steps: acc.steps,
            order: acc.order,
            ...(typeof acc.learningRate === 'number' ? { learningRate: acc.learningRate } : {}),
          }
        : undefined
  }
}
