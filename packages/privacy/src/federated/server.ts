import { RecForgeError } from '@recforge/core'
import { dpSgdEpsilon, type EpsilonDelta } from '../accountant'
import { poissonSample, type NoiseSource } from '../noise'
import { clipUpdate, updateNorm, type ClientUpdate, type GlobalItemModel } from './client'

/** Options of {@link FederatedServer}. */
export interface FederatedServerOptions {
  readonly numItems: number
  readonly factors: number
  /** Clients in the population; each takes part in a round with probability `sampleRate`. */
  readonly numClients: number
  readonly sampleRate: number
  /** Every update is scaled to at most this L2 norm before it is added. */
  readonly clipNorm: number
  /** Noise standard deviation over `clipNorm`, added to every coordinate of a round's sum (0 = none). */
  readonly noiseMultiplier: number
  /** Step of the averaged update. Defaults to `1`. */
  readonly serverLearningRate?: number
  /** Multiplicative decay of the item biases and factors per round (an L2 penalty on them; data-independent). Defaults to `0`. */
  readonly weightDecay?: number
  /** Randomness of client sampling and noise. */
  readonly noise: NoiseSource
  /** Standard deviation of the initial item factors (drawn from `noise`). Defaults to `0.1`. */
  readonly initStd?: number
}

/**
 * The server of DP-FedAvg (McMahan, Ramage, Talwar & Zhang 2018) for federated MF: each round it
 * samples clients (Poisson, rate q), takes their updates, clips each to `clipNorm`, adds Gaussian
 * noise of standard deviation `noiseMultiplier` × `clipNorm` to every coordinate of the sum,
 * divides by the expected number of clients q·N (a fixed denominator, so one client's presence
 * changes only its own bounded term), and steps. The item model it publishes is then
 * (ε, δ)-DP for any one client's whole data, by the same accountant as DP-SGD with rounds as steps.
 * It sees each clipped update in this simulation; with secure aggregation it would see only the sum.
 *
 * @example
 * ```ts
 * const server = new FederatedServer({ numItems, factors: 8, numClients: users, sampleRate: 0.1, clipNorm: 1, noiseMultiplier: 1.2, noise: seededNoise(1) })
 * for (const c of server.sampleClients()) server.receive(clients[c]!.computeUpdate(server.model, 0.5))
 * server.finishRound()
 * server.privacySpent(1e-5)
 * ```
 */
export class FederatedServer {
  readonly sampleRate: number
  readonly noiseMultiplier: number
  readonly clipNorm: number
  private readonly numClients: number
  private readonly step: number
  private readonly keep: number
  private readonly noise: NoiseSource
  private readonly state: { factors: number; mu: number; itemBias: Float64Array; itemFactors: Float64Array }
  private readonly sumBias: Float64Array
  private readonly sumFactors: Float64Array
  private sumMu = 0
  private sampled: Int32Array = new Int32Array(16)
  /** Rounds finished so far (the accountant's steps). */
  rounds = 0

  /** @throws RecForgeError INVALID_ARGUMENT for a sampling rate outside (0, 1], a clip norm <= 0, a negative noise multiplier or a weight decay outside [0, 1). */
  constructor(opts: FederatedServerOptions) {
    if (!(opts.sampleRate > 0 && opts.sampleRate <= 1)) throw new RecForgeError('INVALID_ARGUMENT', `sampleRate must be in (0, 1]; got ${opts.sampleRate}`)
    if (!(opts.clipNorm > 0)) throw new RecForgeError('INVALID_ARGUMENT', `clipNorm must be > 0; got ${opts.clipNorm}`)
    if (!(opts.noiseMultiplier >= 0)) throw new RecForgeError('INVALID_ARGUMENT', `noiseMultiplier must be >= 0; got ${opts.noiseMultiplier}`)
    this.sampleRate = opts.sampleRate
    this.noiseMultiplier = opts.noiseMultiplier
    this.clipNorm = opts.clipNorm
    this.numClients = opts.numClients
    this.step = (opts.serverLearningRate ?? 1) / (opts.sampleRate * opts.numClients)
    const wd = opts.weightDecay ?? 0
    if (!(wd >= 0 && wd < 1)) throw new RecForgeError('INVALID_ARGUMENT', `weightDecay must be in [0, 1); got ${wd}`)
    this.keep = 1 - wd
    this.noise = opts.noise
    const k = opts.factors
    const itemFactors = new Float64Array(opts.numItems * k)
    const initStd = opts.initStd ?? 0.1
    for (let j = 0; j < itemFactors.length; j++) itemFactors[j] = initStd * opts.noise.normal()
    this.state = { factors: k, mu: 0, itemBias: new Float64Array(opts.numItems), itemFactors }
    this.sumBias = new Float64Array(opts.numItems)
    this.sumFactors = new Float64Array(opts.numItems * k)
  }

  /** The current item model, what clients download (a live view: do not change it). */
  get model(): GlobalItemModel {
    return this.state
  }

  /** The clients of the next round: each of 0..numClients-1 independently with probability `sampleRate`. */
  sampleClients(): Int32Array {
    const s = poissonSample(this.noise, this.numClients, this.sampleRate, this.sampled)
    this.sampled = s.indices
    return s.indices.slice(0, s.count)
  }

  /**
   * Adds one client's update to the round, clipped to `clipNorm`; returns its norm before clipping.
   *
   * @throws RecForgeError INVALID_ARGUMENT for an update of the wrong shape, an unknown item or non-finite values.
   */
  receive(update: ClientUpdate): number {
    const k = this.state.factors
    const ni = this.state.itemBias.length
    if (update.deltas.length !== update.items.length * (k + 1)) {
      throw new RecForgeError('INVALID_ARGUMENT', `a client update for ${update.items.length} items has ${update.deltas.length} values; expected ${update.items.length * (k + 1)}`)
    }
    const norm = updateNorm(update)
    if (!Number.isFinite(norm)) throw new RecForgeError('INVALID_ARGUMENT', 'a client update holds non-finite values')
    for (const i of update.items) if (i < 0 || i >= ni) throw new RecForgeError('INVALID_ARGUMENT', `a client update names item ${i}, outside 0..${ni - 1}`)
    const u = clipUpdate(update, this.clipNorm)
    this.sumMu += u.mu
    for (let j = 0; j < u.items.length; j++) {
      const i = u.items[j]!
      const o = j * (k + 1)
      this.sumBias[i]! += u.deltas[o]!
      for (let f = 0; f < k; f++) this.sumFactors[i * k + f]! += u.deltas[o + 1 + f]!
    }
    return norm
  }

  /** Noises the round's sum on every coordinate, decays the item rows, applies the average, and counts the round. */
  finishRound(): void {
    const sd = this.noiseMultiplier * this.clipNorm
    const { itemBias, itemFactors } = this.state
    const noisy = (x: number) => (sd > 0 ? x + sd * this.noise.normal() : x)
    this.state.mu += this.step * noisy(this.sumMu)
    const keep = this.keep
    for (let i = 0; i < itemBias.length; i++) itemBias[i] = keep * itemBias[i]! + this.step * noisy(this.sumBias[i]!)
    for (let j = 0; j < itemFactors.length; j++) itemFactors[j] = keep * itemFactors[j]! + this.step * noisy(this.sumFactors[j]!)
    this.sumMu = 0
    this.sumBias.fill(0)
    this.sumFactors.fill(0)
    this.rounds++
  }

  /**
   * The (ε, δ) the published item model has spent so far, per client.
   *
   * @throws RecForgeError INVALID_ARGUMENT for δ outside (0, 1) or a server without noise.
   */
  privacySpent(delta: number): EpsilonDelta {
    if (this.noiseMultiplier === 0) throw new RecForgeError('INVALID_ARGUMENT', 'a federated server without noise gives no differential privacy')
    return dpSgdEpsilon({ sampleRate: this.sampleRate, noiseMultiplier: this.noiseMultiplier, steps: this.rounds, delta })
  }
}
