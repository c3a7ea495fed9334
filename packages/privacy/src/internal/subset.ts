import type { Random } from '@recforge/core'

/**
 * Moves a uniform random `keep` of `row[0..len)` to its front (a partial Fisher-Yates shuffle);
 * leaves the row alone when it keeps everything.
 */
export function randomPrefix(row: Int32Array, len: number, keep: number, rng: Random): void {
  if (keep >= len) return
  for (let j = 0; j < keep; j++) {
    const r = j + rng.int(len - j)
    const t = row[j]!
    row[j] = row[r]!
    row[r] = t
  }
}
