import type { Random } from '@recforge/core'

/**
 * Glorot/Xavier uniform initialisation (Glorot & Bengio 2010): fills `out[offset .. offset + length)`
 * with draws from U(−l, l), l = √(6 / (fanIn + fanOut)), one `rng.float()` per value in order. The
 * one initialiser of dense weights in RecForge.
 *
 * @example
 * ```ts
 * const w = glorotUniform(new Float32Array(64 * 32), 64, 32, new Random(42))
 * ```
 */
export function glorotUniform<A extends Float32Array | Float64Array>(out: A, fanIn: number, fanOut: number, rng: Random, offset = 0, length = out.length - offset): A {
  const limit = Math.sqrt(6 / (fanIn + fanOut))
  for (let j = offset; j < offset + length; j++) out[j] = (rng.float() * 2 - 1) * limit
  return out
}
