import type { Random } from '@recforge/core'

/** Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below 1 use the boost u^(1/shape). */
export function gamma(rng: Random, shape: number): number {
  if (shape < 1) {
    let u = 0
    while (u === 0) u = rng.float()
    return gamma(rng, shape + 1) * Math.pow(u, 1 / shape)
  }
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    let x: number
    let v: number
    do {
      x = rng.normal()
      v = 1 + c * x
    } while (v <= 0)
    v = v * v * v
    const u = rng.float()
    if (u < 1 - 0.0331 * x * x * x * x) return d * v
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v
  }
}

/** Beta(a, b) from two gamma draws. */
export function beta(rng: Random, a: number, b: number): number {
  const x = gamma(rng, a)
  const y = gamma(rng, b)
  return x / (x + y)
}

/** Index of the largest value; ties broken uniformly at random with the seeded generator. */
export function argmaxRandomTie(values: Float64Array, rng: Random): number {
  let best = -Infinity
  let count = 0
  let pick = 0
  for (let j = 0; j < values.length; j++) {
    const v = values[j]!
    if (v > best) {
      best = v
      count = 1
      pick = j
    } else if (v === best) {
      count++
      if (rng.int(count) === 0) pick = j
    }
  }
  return pick
}
