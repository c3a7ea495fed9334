import { Random } from '@recforge/core'

/**
 * Where a mechanism's randomness comes from: its noise and its batch sampling. A privacy
 * guarantee assumes an adversary cannot predict either.
 */
export interface NoiseSource {
  /** Uniform in the open interval (0, 1). */
  uniform(): number
  /** A standard normal draw. */
  normal(): number
}

/**
 * Noise from core's seeded `Random`: the same seed gives the same noise, so runs, tests and
 * benchmarks reproduce. Whoever knows the seed can recompute and subtract the noise, so a model
 * trained this way is private only while the seed stays secret; deployments use
 * {@link secureNoise}.
 *
 * @example
 * ```ts
 * const noise = seededNoise(42)
 * noise.normal()
 * ```
 */
export function seededNoise(seed: number): NoiseSource {
  const rng = new Random(seed)
  return {
    uniform: () => {
      let u = 0
      while (u === 0) u = rng.float()
      return u
    },
    normal: () => rng.normal(),
  }
}

/**
 * Noise from the platform's cryptographically secure generator (`crypto.getRandomValues`, in
 * Node 20+ and browsers), 53 random bits per uniform, normals by Box-Muller. Not reproducible.
 *
 * @example
 * ```ts
 * const noise = secureNoise()
 * noise.normal()
 * ```
 */
export function secureNoise(): NoiseSource {
  const words = new Uint32Array(1024)
  let at = words.length
  let spare = Number.NaN
  const word = () => {
    if (at === words.length) {
      globalThis.crypto.getRandomValues(words)
      at = 0
    }
    return words[at++]!
  }
  const uniform = () => {
    for (;;) {
      // 53 bits: 27 from one word, 26 from another
      const u = ((word() >>> 5) * 67108864 + (word() >>> 6)) / 9007199254740992
      if (u > 0) return u
    }
  }
  return {
    uniform,
    normal: () => {
      if (!Number.isNaN(spare)) {
        const v = spare
        spare = Number.NaN
        return v
      }
      const r = Math.sqrt(-2 * Math.log(uniform()))
      const t = 2 * Math.PI * uniform()
      spare = r * Math.sin(t)
      return r * Math.cos(t)
    },
  }
}

/** A draw from the Laplace distribution with the given scale (mean 0, variance 2·scale²). */
export function laplace(noise: NoiseSource, scale: number): number {
  const u = noise.uniform() - 0.5
  return -scale * Math.sign(u) * Math.log1p(-2 * Math.abs(u))
}

/**
 * A Poisson sample of 0..n-1: each index independently with probability `rate`, in increasing
 * order, drawn by geometric skips (work proportional to the sample, not to n). Writes into `out`
 * (grown when too small) and returns it with the count.
 */
export function poissonSample(noise: NoiseSource, n: number, rate: number, out: Int32Array): { indices: Int32Array; count: number } {
  let buf: Int32Array = out
  let count = 0
  const push = (i: number) => {
    if (count === buf.length) {
      const bigger = new Int32Array(Math.max(16, buf.length * 2))
      bigger.set(buf)
      buf = bigger
    }
    buf[count++] = i
  }
  if (rate >= 1) for (let i = 0; i < n; i++) push(i)
  else if (rate > 0) {
    const logKeep = Math.log1p(-rate)
    let i = Math.floor(Math.log(noise.uniform()) / logKeep)
    while (i < n) {
      push(i)
      i += 1 + Math.floor(Math.log(noise.uniform()) / logKeep)
    }
  }
  return { indices: buf, count }
}
