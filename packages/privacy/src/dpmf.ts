import {
  Random,
  RecForgeError,
  defineParams,
  nnz,
  param,
  throwIfAborted,
  type ConfigOf,
  type FitOptions,
  type Interactions,
} from '@recforge/core'
import { scheduleTraining, spentSoFar } from './internal/budget'
import { findThreshold } from './internal/search'
import { randomPrefix } from './internal/subset'
import { PrivateFactorModel, initialFactors, residual, type TrainedFactors } from './internal/factors'
import { poissonSample, secureNoise, seededNoise, type NoiseSource } from './noise'

/** Standard deviation of the initial factors (data-independent, so it costs no privacy). */
const INIT_STD = 0.1

/** The parameters of {@link DPMF} (the `dpmf` model). */
export const DPMF_PARAMS = defineParams({
  epsilon: param.float({ default: 1, min: 0, exclusiveMin: true, description: 'privacy budget: the most epsilon training may spend' }),
  delta: param.float({ default: 0, min: 0, max: 1, exclusiveMax: true, description: 'delta of the guarantee (0 = 1/n, n the number of ratings, or of users with unit user)' }),
  noiseMultiplier: param.float({ default: 0, min: 0, description: 'noise standard deviation over clipNorm (0 = the smallest that keeps within epsilon)' }),
  clipNorm: param.float({ default: 1, min: 0, exclusiveMin: true, description: 'L2 norm that the gradient of each rating (each user, with unit user) is clipped to' }),
  unit: param.enumOf({ values: ['rating', 'user'], default: 'rating', description: 'what one guarantee protects: one rating, or all of one user\'s ratings' }),
  maxRatingsPerUser: param.int({
    default: 100,
    min: 1,
    description: 'with unit user: the most ratings of each user training uses, chosen at random (also the public bound that scales the step of the global mean)',
  }),
  maxParamNoise: param.float({
    default: 0.2,
    min: 0,
    description: 'cap on the noise standard deviation a parameter no rating touches ends with: learningRate is lowered to meet it (0 = no cap)',
  }),
  factors: param.int({ default: 8, min: 1, description: 'number of latent factors' }),
  epochs: param.int({ default: 20, min: 1, description: 'expected passes over the data (each a run of Poisson-sampled batches)' }),
  learningRate: param.float({ default: 0.005, min: 0, exclusiveMin: true, description: 'SGD step size per rating: a batch moves the parameters by learningRate × (its summed clipped gradients + noise)' }),
  l2: param.float({ default: 10, min: 0, description: 'L2 penalty on biases and factors, in ratings\' worth (objective: summed loss + l2/2 ‖θ‖²), applied as weight decay at every step' }),
  batchSize: param.int({ default: 4000, min: 1, description: 'expected ratings (users, with unit user) per batch; the sampling rate is batchSize / n' }),
  dp: param.bool({ default: true, description: 'train with differential privacy (false: the same SGD without clipping or noise, a non-private reference)' }),
  secureNoise: param.bool({ default: false, description: 'draw noise and batches from crypto.getRandomValues instead of the seed (what a deployment needs)' }),
  seed: param.int({ default: 42, description: 'seed of the initial factors and, unless secureNoise, of batches and noise' }),
})

/** The configuration of {@link DPMF}: see {@link DPMF_PARAMS}. */
export type DPMFConfig = ConfigOf<typeof DPMF_PARAMS>

/**
 * The variance of the noise a coordinate that no rating touches ends training with, for step
 * size `eta`: `steps` draws of standard deviation eta × `noise`, each step decayed by
 * 1 - eta × `decayRate` (an AR(1) sum).
 */
export function untouchedNoiseVariance(eta: number, noise: number, decayRate: number, steps: number): number {
  const d = 1 - eta * decayRate
  const sum = d === 1 ? steps : (1 - d ** (2 * steps)) / (1 - d * d)
  return (eta * noise) ** 2 * sum
}

/**
 * The largest step size up to `eta` whose {@link untouchedNoiseVariance} stays within `cap`²
 * (`eta` itself when it does, or when `cap` is 0): noise lowers the step, never the data. The
 * variance grows with the step, so bisection finds it.
 */
export function cappedLearningRate(eta: number, noise: number, decayRate: number, steps: number, cap: number): number {
  if (cap <= 0 || noise === 0 || untouchedNoiseVariance(eta, noise, decayRate, steps) <= cap * cap) return eta
  // the variance grows with the step: find where it first exceeds the cap
  return findThreshold((x) => untouchedNoiseVariance(x, noise, decayRate, steps) > cap * cap, { start: eta, below: 0, relTol: 1e-6 })!.below
}

/** What one privacy unit contributes: group `g` holds rating positions `pos[ptr[g]..ptr[g+1])`, all of user `user[g]`. */
interface Groups {
  readonly count: number
  readonly ptr: Int32Array
  readonly pos: Int32Array
  readonly user: Int32Array
  readonly largest: number
}

function ratingGroups(data: Interactions): Groups {
  const n = nnz(data)
  const user = new Int32Array(n)
  for (let u = 0; u < data.users.size; u++) user.fill(u, data.indptr[u]!, data.indptr[u + 1]!)
  return { count: n, ptr: Int32Array.from({ length: n + 1 }, (_, g) => g), pos: Int32Array.from({ length: n }, (_, g) => g), user, largest: 1 }
}

function userGroups(data: Interactions, cap: number, rng: Random): Groups {
  const nu = data.users.size
  const ptr = new Int32Array(nu + 1)
  for (let u = 0; u < nu; u++) {
    const len = data.indptr[u + 1]! - data.indptr[u]!
    ptr[u + 1] = ptr[u]! + Math.min(cap, len)
  }
  const pos = new Int32Array(ptr[nu]!)
  let largest = 0
  for (let u = 0; u < nu; u++) {
    const a = data.indptr[u]!
    const len = data.indptr[u + 1]! - a
    const keep = ptr[u + 1]! - ptr[u]!
    largest = Math.max(largest, keep)
    const row = Int32Array.from({ length: len }, (_, j) => a + j)
    randomPrefix(row, len, keep, rng)
    pos.set(row.subarray(0, keep), ptr[u]!)
  }
  return { count: nu, ptr, pos, user: Int32Array.from({ length: nu }, (_, u) => u), largest }
}

/**
 * Biased matrix factorisation, r̂ = μ + b_u + b_i + p_u · q_i, trained with DP-SGD (Abadi et al.
 * 2016): every step takes a Poisson sample of ratings (or of users, with `unit: 'user'`), clips
 * each one's gradient over all the parameters it touches, μ and biases included, to `clipNorm`,
 * adds Gaussian noise of standard deviation `noiseMultiplier` × `clipNorm` to every coordinate
 * of the summed gradient, and steps. The RDP accountant (Mironov, Talwar & Zhang 2019) counts
 * one step per batch; {@link DPMF.privacy} reports the (ε, δ) spent, at most `epsilon`.
 *
 * Rows a batch does not touch get their noise and weight decay in one exact draw when next
 * touched (a sum of Gaussians is Gaussian), so a step costs the size of its batch, not of the
 * model, and the trained model has the same distribution as with a dense update.
 *
 * @example
 * ```ts
 * const model = new DPMF({ epsilon: 1 })
 * await model.fit(ratings)
 * model.privacy // { epsilon: 0.999, delta: 1e-5, mechanism: 'dp-sgd', unit: 'rating' }
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for out-of-range options; at fit, for a weight decay
 *   `learningRate × l2 × batchSize / n` of 1 or more, or a `noiseMultiplier` that would spend more than `epsilon`.
 */
export class DPMF extends PrivateFactorModel<DPMFConfig> {
  static override readonly params = DPMF_PARAMS
  readonly name = 'dpmf'

  protected async train(data: Interactions, opts: FitOptions, rng: Random): Promise<TrainedFactors> {
    const c = this.config
    const nu = data.users.size
    const ni = data.items.size
    const k = c.factors
    const groups = c.unit === 'rating' ? ratingGroups(data) : userGroups(data, c.maxRatingsPerUser, rng)
    const G = groups.count
    const schedule = scheduleTraining({ ...c, model: 'dpmf', mechanism: 'dp-sgd', units: G, perStep: c.batchSize })
    const { sampleRate, stepsPerEpoch, steps, plan } = schedule
    const noise: NoiseSource = c.secureNoise ? secureNoise() : seededNoise(rng.uint32())
    const s = initialFactors(nu, ni, k, INIT_STD, () => rng.normal())

    const sigma = plan?.noiseMultiplier ?? 0
    const clip = c.clipNorm
    if (c.learningRate * sampleRate * c.l2 >= 1) {
      throw new RecForgeError('INVALID_ARGUMENT', `dpmf: learningRate × l2 × sampling rate must be < 1 (the weight decay of a step); got ${c.learningRate} × ${c.l2} × ${sampleRate.toPrecision(4)}; lower learningRate or l2`)
    }
    const eta = cappedLearningRate(c.learningRate, sigma * clip, sampleRate * c.l2, steps, c.maxParamNoise)
    // the objective is Σ loss + (l2/2)‖θ‖²; a Poisson batch estimates q × its gradient, so the
    // penalty is a weight decay of eta · q · l2 per step, on every row whether touched or not
    const decay = 1 - eta * sampleRate * c.l2
    // standard deviation of one step's noise on one coordinate
    const noiseStd = eta * sigma * clip
    // μ sees every unit of a batch: half a step towards the batch's mean clipped residual per
    // rating. The step divides by public numbers only (the units, and under unit user the bound
    // on each user's ratings), never by the number of ratings, which one user changes.
    const muStep = 1 / (2 * sampleRate * G * (c.unit === 'user' ? c.maxRatingsPerUser : 1))
    const items = data.indices
    const values = data.values

    // rows are current up to step last[row]; an untouched row catches up when next touched
    const lastU = new Int32Array(nu)
    const lastI = new Int32Array(ni)
    const markU = new Int32Array(nu).fill(-1)
    const markI = new Int32Array(ni).fill(-1)
    const touchedU = new Int32Array(nu)
    const touchedI = new Int32Array(ni)
    const gP = new Float64Array(nu * k)
    const gQ = new Float64Array(ni * k)
    const gbu = new Float64Array(nu)
    const gbi = new Float64Array(ni)
    const slotOf = new Int32Array(ni).fill(-1)
    const slotItem = new Int32Array(Math.max(1, groups.largest))
    const slotErr = new Float64Array(Math.max(1, groups.largest))
    const sP = new Float64Array(k)
    let batch: Int32Array = new Int32Array(Math.min(G, 2 * c.batchSize + 16))

    const catchUp = (V: Float64Array, bias: Float64Array, row: number, m: number) => {
      if (m === 0) return
      const f = decay ** m
      const sd = noiseStd * Math.sqrt(decay === 1 ? m : (1 - decay ** (2 * m)) / (1 - decay * decay))
      const o = row * k
      for (let j = 0; j < k; j++) V[o + j] = f * V[o + j]! + (sd > 0 ? sd * noise.normal() : 0)
      bias[row] = f * bias[row]! + (sd > 0 ? sd * noise.normal() : 0)
    }
    const apply = (V: Float64Array, bias: Float64Array, gV: Float64Array, gb: Float64Array, row: number) => {
      const o = row * k
      for (let j = 0; j < k; j++) {
        V[o + j] = decay * V[o + j]! + eta * gV[o + j]! + (noiseStd > 0 ? noiseStd * noise.normal() : 0)
        gV[o + j] = 0
      }
      bias[row] = decay * bias[row]! + eta * gb[row]! + (noiseStd > 0 ? noiseStd * noise.normal() : 0)
      gb[row] = 0
    }

    let t = 0
    for (let ep = 0; ep < c.epochs; ep++) {
      throwIfAborted(opts.signal, 'dpmf fit')
      for (let b = 0; b < stepsPerEpoch; b++, t++) {
        const sample = poissonSample(noise, G, sampleRate, batch)
        batch = sample.indices
        let nTU = 0
        let nTI = 0
        let gMu = 0
        for (let j = 0; j < sample.count; j++) {
          const g = batch[j]!
          const u = groups.user[g]!
          if (markU[u] !== t) {
            catchUp(s.P, s.bu, u, t - lastU[u]!)
            markU[u] = t
            touchedU[nTU++] = u
          }
          let slots = 0
          for (let p = groups.ptr[g]!; p < groups.ptr[g + 1]!; p++) {
            const e = groups.pos[p]!
            const i = items[e]!
            if (markI[i] !== t) {
              catchUp(s.Q, s.bi, i, t - lastI[i]!)
              markI[i] = t
              touchedI[nTI++] = i
            }
            let slot = slotOf[i]!
            if (slot < 0) {
              slot = slots++
              slotOf[i] = slot
              slotItem[slot] = i
              slotErr[slot] = 0
            }
            slotErr[slot]! += residual(s, u, i, values[e]!)
          }
          // the group's descent direction: μ and b_u get Σe, p_u gets Σ e·q_i, each item e·(1, p_u)
          sP.fill(0)
          let sumE = 0
          let itemPart = 0
          for (let q = 0; q < slots; q++) {
            const err = slotErr[q]!
            const io = slotItem[q]! * k
            sumE += err
            itemPart += err * err
            for (let f = 0; f < k; f++) sP[f]! += err * s.Q[io + f]!
          }
          let pu2 = 0
          let sp2 = 0
          for (let f = 0; f < k; f++) {
            pu2 += s.P[u * k + f]! ** 2
            sp2 += sP[f]! ** 2
          }
          const norm = Math.sqrt(2 * sumE * sumE + sp2 + itemPart * (1 + pu2))
          const scale = c.dp && norm > clip ? clip / norm : 1
          gMu += scale * sumE
          gbu[u]! += scale * sumE
          for (let f = 0; f < k; f++) gP[u * k + f]! += scale * sP[f]!
          for (let q = 0; q < slots; q++) {
            const i = slotItem[q]!
            const w = scale * slotErr[q]!
            gbi[i]! += w
            for (let f = 0; f < k; f++) gQ[i * k + f]! += w * s.P[u * k + f]!
            slotOf[i] = -1
          }
        }
        for (let j = 0; j < nTU; j++) {
          apply(s.P, s.bu, gP, gbu, touchedU[j]!)
          lastU[touchedU[j]!] = t + 1
        }
        for (let j = 0; j < nTI; j++) {
          apply(s.Q, s.bi, gQ, gbi, touchedI[j]!)
          lastI[touchedI[j]!] = t + 1
        }
        s.mu += muStep * (gMu + (sigma > 0 ? sigma * clip * noise.normal() : 0))
      }
      opts.onProgress?.({ stage: 'epoch', current: ep + 1, total: c.epochs, metrics: spentSoFar(schedule, t) })
    }
    for (let u = 0; u < nu; u++) catchUp(s.P, s.bu, u, t - lastU[u]!)
    for (let i = 0; i < ni; i++) catchUp(s.Q, s.bi, i, t - lastI[i]!)
    return { state: s, plan, ...(eta < c.learningRate ? { learningRate: eta } : {}) }
  }
}
