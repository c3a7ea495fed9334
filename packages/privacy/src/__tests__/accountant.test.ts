import { RecForgeError } from '@recforge/core'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_ORDERS,
  RdpAccountant,
  calibrateNoiseMultiplier,
  dpSgdEpsilon,
  gaussianMechanismDelta,
  gaussianMechanismEpsilon,
  gaussianMechanismSigma,
  gaussianRdp,
  rdpToDelta,
  rdpToEpsilon,
  subsampledGaussianRdp,
} from '../index'
import { erfc, logErfc, normalCdf } from '../internal/special'

// The orders of TensorFlow Privacy's compute_dp_sgd_privacy (and Opacus's default): 1.1 to 10.9 by 0.1, then 12 to 63.
const TF_ORDERS = [...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10), ...Array.from({ length: 52 }, (_, i) => i + 12)]

describe('special functions', () => {
  it('erfc matches reference values over the line, and log erfc deep in the tail', () => {
    // reference values of erfc to 16 digits
    const cases: [number, number][] = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047266],
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280349e-12],
      [-1, 1.8427007929497148],
    ]
    for (const [x, want] of cases) expect(Math.abs(erfc(x) - want) / want, `erfc(${x})`).toBeLessThan(1e-13)
    // erfc(30) underflows; its asymptotic series e^-x² / (x√π) (1 - 1/(2x²) + 3/(4x⁴)) gives -903.9741171...
    expect(logErfc(30)).toBeCloseTo(-900 - Math.log(30 * Math.sqrt(Math.PI)) + Math.log(1 - 1 / 1800 + 3 / (4 * 810000)), 8)
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 14)
  })
})

describe('subsampled Gaussian RDP', () => {
  it('is the Gaussian mechanism\'s α/(2σ²) without subsampling, 0 without data, +∞ without noise', () => {
    for (const [sigma, order] of [
      [1, 2],
      [2, 5],
      [0.7, 1.5],
      [10, 20],
    ]) {
      expect(subsampledGaussianRdp(1, sigma!, order!)).toBe(order! / (2 * sigma! * sigma!))
      expect(gaussianRdp(sigma!, order!)).toBe(order! / (2 * sigma! * sigma!))
    }
    expect(gaussianRdp(2, 8, 3)).toBe((8 * 9) / 8)
    expect(subsampledGaussianRdp(0, 1, 10)).toBe(0)
    expect(subsampledGaussianRdp(0.1, 0, 10)).toBe(Number.POSITIVE_INFINITY)
  })

  // Values from TensorFlow Privacy's rdp_accountant_test.py (test_compute_rdp_scalar, test_compute_rdp_sequence).
  it('matches TensorFlow Privacy at integer and fractional orders', () => {
    expect(10 * subsampledGaussianRdp(0.1, 2, 5)).toBeCloseTo(0.07737, 5)
    const orders = [1.5, 2.5, 5, 50, 100]
    const want = [0.00065, 0.001085, 0.00218075, 0.023846, 167.416307]
    orders.forEach((a, j) => expect(Math.abs(50 * subsampledGaussianRdp(0.01, 2.5, a) - want[j]!), `order ${a}`).toBeLessThan(1e-5))
  })

  it('grows with the order, and subsampling only lowers it', () => {
    let prev = 0
    for (const a of [1.25, 1.5, 2, 2.5, 3, 4, 7.5, 8, 16, 64]) {
      const r = subsampledGaussianRdp(0.01, 1.1, a)
      expect(r).toBeGreaterThan(prev)
      expect(r).toBeLessThan(gaussianRdp(1.1, a))
      prev = r
    }
  })

  it('rejects a rate outside [0, 1], a negative noise multiplier and an order <= 1', () => {
    expect(() => subsampledGaussianRdp(1.5, 1, 2)).toThrow(/sampleRate must be in \[0, 1\]; got 1.5/)
    expect(() => subsampledGaussianRdp(0.5, -1, 2)).toThrow(/noiseMultiplier must be >= 0; got -1/)
    expect(() => subsampledGaussianRdp(0.5, 1, 1)).toThrow(RecForgeError)
  })
})

describe('RDP to (ε, δ)', () => {
  // TensorFlow Privacy's test_get_privacy_spent_check_target_delta / _eps and test_check_composition (Mironov 2017's conversion).
  it('matches TensorFlow Privacy\'s accountant tests', () => {
    const orders = Array.from({ length: 31 }, (_, i) => i + 2)
    const acc = new RdpAccountant({ orders }).composeSubsampledGaussian({ sampleRate: 0.01, noiseMultiplier: 4, steps: 10000 })
    const spent = acc.epsilon(1e-5, 'standard')
    expect(spent.epsilon).toBeCloseTo(1.258575, 5)
    expect(spent.order).toBe(20)
    const back = acc.delta(1.258575, 'standard')
    expect(back.delta).toBeCloseTo(1e-5, 9)
    expect(back.order).toBe(20)

    const composed = new RdpAccountant({ orders: [1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 64, 256] })
      .composeSubsampledGaussian({ sampleRate: 1e-4, noiseMultiplier: 0.4, steps: 40000 })
      .composeSubsampledGaussian({ sampleRate: 0.1, noiseMultiplier: 2, steps: 100 })
      .epsilon(1e-5, 'standard')
    expect(composed.epsilon).toBeCloseTo(8.509656, 5)
    expect(composed.order).toBe(2.5)
  })

  // The MNIST tutorial of TensorFlow Privacy (tutorials/README.md): N = 60000, batch 256, δ = 1e-5,
  // steps = ceil(epochs × N / batch), its orders and Mironov's conversion; the README prints ε to two decimals.
  it('reproduces the DP-SGD figures of the TensorFlow Privacy MNIST tutorial', () => {
    const figure = (sigma: number, epochs: number) =>
      dpSgdEpsilon({ sampleRate: 256 / 60000, noiseMultiplier: sigma, steps: Math.ceil((epochs * 60000) / 256), delta: 1e-5, orders: TF_ORDERS, conversion: 'standard' }).epsilon
    expect(figure(1.1, 60).toFixed(2)).toBe('3.01')
    expect(figure(1.3, 15).toFixed(2)).toBe('1.19')
    expect(figure(0.7, 45).toFixed(2)).toBe('7.10')
  })

  it('gives a smaller ε with the improved conversion, and the same ε with the default orders to 0.1%', () => {
    const s = { sampleRate: 256 / 60000, noiseMultiplier: 1.1, steps: 14063, delta: 1e-5 }
    const standard = dpSgdEpsilon({ ...s, conversion: 'standard' }).epsilon
    expect(Math.abs(standard - dpSgdEpsilon({ ...s, orders: TF_ORDERS, conversion: 'standard' }).epsilon)).toBeLessThan(0.003 * standard)
    const improved = dpSgdEpsilon(s).epsilon
    expect(improved).toBeLessThan(standard)
    // the improved bound subtracts (log α)/(α-1) - log(1 - 1/α) from the standard one at each order
    const hand = rdpToEpsilon([3], [0.5], 1e-5, 'improved').epsilon
    expect(hand).toBeCloseTo(0.5 + Math.log(2 / 3) - (Math.log(1e-5) + Math.log(3)) / 2, 12)
    expect(rdpToEpsilon([2, 3], [0.1, 0.15], 1e-5, 'standard')).toEqual({ epsilon: 0.15 + Math.log(1e5) / 2, delta: 1e-5, order: 3 })
    expect(rdpToDelta([2, 3], [0.1, 0.15], 0.15 + Math.log(1e5) / 2, 'standard').delta).toBeCloseTo(1e-5, 15)
  })

  it('bounds the exact ε of composed Gaussian mechanisms from above, within 10%', () => {
    // T Gaussian mechanisms of noise σ compose to one of noise σ/√T, whose exact ε Balle & Wang give
    for (const [sigma, steps] of [
      [5, 1],
      [2, 10],
      [10, 100],
    ] as const) {
      const rdp = new RdpAccountant().composeGaussian(sigma, steps).epsilon(1e-5).epsilon
      const exact = gaussianMechanismEpsilon(sigma / Math.sqrt(steps), 1e-5)
      expect(rdp).toBeGreaterThanOrEqual(exact)
      expect(rdp).toBeLessThan(1.1 * exact)
    }
  })

  it('rejects δ outside (0, 1) and mismatched lengths', () => {
    expect(() => rdpToEpsilon([2], [1], 0)).toThrow(/delta must be in \(0, 1\); got 0/)
    expect(() => rdpToEpsilon([2, 3], [1], 1e-5)).toThrow(/2 orders but 1 RDP values/)
    expect(() => new RdpAccountant({ orders: [] })).toThrow(RecForgeError)
    expect(DEFAULT_ORDERS.length).toBe(76)
  })
})

describe('calibrateNoiseMultiplier', () => {
  it('finds the smallest multiplier (to 0.1%) that keeps within ε', () => {
    for (const target of [0.5, 1, 8]) {
      const schedule = { sampleRate: 0.01, steps: 2000, delta: 1e-5 }
      const sigma = calibrateNoiseMultiplier({ ...schedule, epsilon: target })
      expect(dpSgdEpsilon({ ...schedule, noiseMultiplier: sigma }).epsilon).toBeLessThanOrEqual(target)
      expect(dpSgdEpsilon({ ...schedule, noiseMultiplier: sigma * 0.998 }).epsilon).toBeGreaterThan(target)
    }
  })

  it('rejects ε <= 0', () => {
    expect(() => calibrateNoiseMultiplier({ epsilon: 0, sampleRate: 0.1, steps: 10, delta: 1e-5 })).toThrow(/epsilon must be a finite number > 0; got 0/)
  })
})

describe('analytic Gaussian mechanism (Balle & Wang 2018)', () => {
  it('has δ(ε = 0) equal to the total variation 2Φ(Δ/(2σ)) - 1', () => {
    expect(gaussianMechanismDelta(1, 0)).toBeCloseTo(2 * normalCdf(0.5) - 1, 15)
    expect(gaussianMechanismDelta(2, 0, 3)).toBeCloseTo(2 * normalCdf(0.75) - 1, 15)
  })

  it('calibrates σ exactly, below the classical Δ√(2 ln(1.25/δ))/ε', () => {
    for (const [eps, delta, sens] of [
      [1, 1e-5, 1],
      [0.5, 1e-6, 2],
      [5, 1e-3, 1],
    ] as const) {
      const sigma = gaussianMechanismSigma(eps, delta, sens)
      expect(gaussianMechanismDelta(sigma, eps, sens)).toBeLessThanOrEqual(delta)
      expect(gaussianMechanismDelta(sigma * (1 - 1e-6), eps, sens)).toBeGreaterThan(delta)
      expect(gaussianMechanismEpsilon(sigma, delta, sens)).toBeCloseTo(eps, 6)
      if (eps <= 1) expect(sigma).toBeLessThan((sens * Math.sqrt(2 * Math.log(1.25 / delta))) / eps)
    }
    expect(gaussianMechanismSigma(1, 1e-5)).toBeCloseTo(3.7306, 4)
  })
})
