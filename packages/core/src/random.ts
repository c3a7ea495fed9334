import { RecForgeError } from './errors'

/**
 * A small, fast, seeded random number generator (sfc32 seeded through splitmix32).
 * The same seed gives the same stream on every platform.
 *
 * @example
 * ```ts
 * const rng = new Random(42)
 * rng.float(); rng.int(10); rng.normal()
 * ```
 */
export class Random {
  private a: number
  private b: number
  private c: number
  private d: number
  private spare = Number.NaN

  constructor(seed = 42) {
    let s = (Math.floor(seed) ^ 0x9e3779b9) >>> 0
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next()
    for (let i = 0; i < 12; i++) this.uint32()
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0
    this.d = (this.d + 1) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n)
  }

  /** Standard normal (Box-Muller, with the spare cached). */
  normal(mean = 0, std = 1): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare
      this.spare = Number.NaN
      return mean + std * v
    }
    let u = 0
    while (u === 0) u = this.float()
    const v = this.float()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    return mean + std * r * Math.cos(2 * Math.PI * v)
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const t = a[i]
      a[i] = a[j]
      a[j] = t
    }
    return a
  }

  /** 0..n-1 in random order. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n)
    for (let i = 0; i < n; i++) p[i] = i
    return this.shuffle(p)
  }

  /** Fills `out` with N(mean, std) values. */
  fillNormal(out: Float32Array | Float64Array, mean = 0, std = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std)
    return out
  }

  /**
   * The generator's state (the four sfc32 words and the cached normal), to save a stream and
   * resume it later with {@link Random.setState}.
   *
   * @example
   * ```ts
   * const saved = rng.getState()
   * const again = new Random().setState(saved) // continues exactly where rng is now
   * ```
   */
  getState(): Float64Array {
    return Float64Array.of(this.a, this.b, this.c, this.d, this.spare)
  }

  /**
   * Restores a state from {@link Random.getState}; returns this generator.
   *
   * @throws RecForgeError INVALID_ARGUMENT for anything but five numbers: four 32-bit words and a number or NaN.
   */
  setState(state: ArrayLike<number>): this {
    const ok = state.length === 5 && [0, 1, 2, 3].every((k) => Number.isInteger(state[k]) && state[k]! >= -(2 ** 31) && state[k]! < 2 ** 32)
    if (!ok) throw new RecForgeError('INVALID_ARGUMENT', `Random.setState: expected 5 numbers (four 32-bit words and the cached normal); got ${state.length} values`)
    this.a = state[0]! | 0
    this.b = state[1]! | 0
    this.c = state[2]! | 0
    this.d = state[3]! | 0
    this.spare = state[4]!
    return this
  }

  /** An independent generator derived from this one (for workers, folds, ...). */
  fork(): Random {
    return new Random(this.uint32())
  }
}

/**
 * The first index in `from..to` whose cumulative weight exceeds `x` (the last one when none
 * does): with `x = rng.float() * total`, a draw from the weights whose running sums `cumulative`
 * holds. O(log n).
 *
 * @example
 * ```ts
 * const cdf = Float64Array.of(1, 1, 4) // weights 1, 0, 3
 * searchCumulative(cdf, rng.float() * 4) // 0 a quarter of the time, 2 otherwise, never 1
 * ```
 */
export function searchCumulative(cumulative: Float64Array | Float32Array, x: number, from = 0, to = cumulative.length): number {
  let lo = from
  let hi = to - 1
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (cumulative[mid]! > x) hi = mid
    else lo = mid + 1
  }
  return lo
}
