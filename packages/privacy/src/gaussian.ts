import { RecForgeError } from '@recforge/core'
import { findThreshold } from './internal/search'
import { logNormalCdf, normalCdf } from './internal/special'

function checkPositive(name: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new RecForgeError('INVALID_ARGUMENT', `${name} must be a finite number > 0; got ${v}`)
}

/**
 * The exact δ(ε) of the Gaussian mechanism with noise standard deviation `sigma` and L2
 * sensitivity `sensitivity` (Balle & Wang 2018, Theorem 8):
 * δ = Φ(Δ/(2σ) - εσ/Δ) - e^ε Φ(-Δ/(2σ) - εσ/Δ).
 *
 * @example
 * ```ts
 * gaussianMechanismDelta(1, 0) // 0.3829... = 2Φ(1/2) - 1, the total variation of N(0,1) and N(1,1)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for sigma or sensitivity <= 0, or a negative epsilon.
 */
export function gaussianMechanismDelta(sigma: number, epsilon: number, sensitivity = 1): number {
  checkPositive('sigma', sigma)
  checkPositive('sensitivity', sensitivity)
  if (!(epsilon >= 0)) throw new RecForgeError('INVALID_ARGUMENT', `epsilon must be >= 0; got ${epsilon}`)
  const a = sensitivity / (2 * sigma)
  const b = (epsilon * sigma) / sensitivity
  const d = normalCdf(a - b) - Math.exp(epsilon + logNormalCdf(-a - b))
  return Math.max(0, d)
}

/**
 * The smallest ε for which the Gaussian mechanism is (ε, δ)-DP (the inverse of
 * {@link gaussianMechanismDelta}, by bisection to 1e-9 relative).
 *
 * @example
 * ```ts
 * gaussianMechanismEpsilon(gaussianMechanismSigma(1, 1e-5), 1e-5) // 1 (to 1e-6)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for sigma, sensitivity or delta out of range.
 */
export function gaussianMechanismEpsilon(sigma: number, delta: number, sensitivity = 1): number {
  if (!(delta > 0 && delta < 1)) throw new RecForgeError('INVALID_ARGUMENT', `delta must be in (0, 1); got ${delta}`)
  if (gaussianMechanismDelta(sigma, 0, sensitivity) <= delta) return 0
  // δ(ε) falls as ε grows, and δ(0) > delta
  return findThreshold((eps) => gaussianMechanismDelta(sigma, eps, sensitivity) <= delta, { start: 1, below: 0, relTol: 1e-9 })!.at
}

/**
 * The smallest noise standard deviation for which the Gaussian mechanism with L2 sensitivity
 * `sensitivity` is (ε, δ)-DP: the analytic Gaussian mechanism of Balle & Wang 2018, tighter than
 * the classical σ = Δ √(2 ln(1.25/δ)) / ε and valid for every ε > 0. Rounded up, so the δ at the
 * returned σ never exceeds the one asked for.
 *
 * @example
 * ```ts
 * gaussianMechanismSigma(1, 1e-5) // about 3.73, against 4.84 from the classical bound
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for epsilon or sensitivity <= 0, or delta outside (0, 1).
 */
export function gaussianMechanismSigma(epsilon: number, delta: number, sensitivity = 1): number {
  checkPositive('epsilon', epsilon)
  checkPositive('sensitivity', sensitivity)
  if (!(delta > 0 && delta < 1)) throw new RecForgeError('INVALID_ARGUMENT', `delta must be in (0, 1); got ${delta}`)
  // δ(σ) falls as σ grows
  return findThreshold((sigma) => gaussianMechanismDelta(sigma, epsilon, sensitivity) <= delta, { start: sensitivity, floor: 1e-12, relTol: 1e-10 })!.at
}

/**
 * The Rényi DP of the Gaussian mechanism at `order`: α Δ² / (2σ²) (Mironov 2017, Prop. 7).
 *
 * @example
 * ```ts
 * gaussianRdp(2, 8) // 1 = 8 / (2 · 2²)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for sigma or sensitivity <= 0, or an order <= 1.
 */
export function gaussianRdp(sigma: number, order: number, sensitivity = 1): number {
  checkPositive('sigma', sigma)
  checkPositive('sensitivity', sensitivity)
  if (!(order > 1)) throw new RecForgeError('INVALID_ARGUMENT', `an RDP order must be > 1; got ${order}`)
  return (order * sensitivity * sensitivity) / (2 * sigma * sigma)
}
