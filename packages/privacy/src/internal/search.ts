/** Where a monotone test changes from failing to passing: `passes(below)` is false, `passes(at)` true, and they are within the tolerance. */
export interface Threshold {
  readonly below: number
  readonly at: number
}

/**
 * Finds the point where `passes`, false for small positive x and true for large x, first holds,
 * to `relTol` relative: brackets it by doubling or halving from `start`, then bisects. `below`
 * is a known failing point (skips the halving when `start` passes); the halving stops at
 * `floor` and the doubling at `ceiling` (returns `undefined` when even `ceiling` fails).
 */
export function findThreshold(
  passes: (x: number) => boolean,
  opts: { start: number; relTol: number; below?: number; floor?: number; ceiling?: number },
): Threshold | undefined {
  let at = opts.start
  let below = opts.below ?? at / 2
  if (!passes(at)) {
    const ceiling = opts.ceiling ?? Number.POSITIVE_INFINITY
    do {
      below = at
      at *= 2
      if (at > ceiling) return undefined
    } while (!passes(at))
  } else if (opts.below === undefined) {
    const floor = opts.floor ?? 0
    while (below > floor && passes(below)) {
      at = below
      below /= 2
    }
  }
  while (at - below > opts.relTol * at) {
    const mid = 0.5 * (below + at)
    if (passes(mid)) at = mid
    else below = mid
  }
  return { below, at }
}
