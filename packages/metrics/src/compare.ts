import { RecForgeError } from '@recforge/core'
import type { SplitResult } from './evaluate'
import { pairedTTest, wilcoxonSignedRank } from './stats'

/** The paired comparison of two models on one metric. */
export interface ModelComparison {
  /** Mean of model A's per-user values over the paired users. */
  meanA: number
  /** Mean of model B's per-user values over the paired users. */
  meanB: number
  /** meanA - meanB. */
  diff: number
  /** 95% confidence interval of the mean per-user difference (Student t). */
  ci95: [number, number]
  /** Paired t statistic. */
  tStat: number
  /** Two-sided p-value of the paired t-test. */
  pValue: number
  /** Two-sided p-value of the Wilcoxon signed-rank test (normal approximation, tie-corrected). */
  wilcoxonP: number
  /** Number of users with a finite value in both results. */
  n: number
}

/**
 * Compares two models' per-user values of `metric`, paired by user: mean difference, its 95%
 * confidence interval, a paired t-test and a Wilcoxon signed-rank test. Both results must come from
 * {@link evaluateSplit} (or {@link aggregateResults}) with `perUser: true` on the same split.
 *
 * @example
 * ```ts
 * const a = evaluateSplit(als, split, { perUser: true })
 * const b = evaluateSplit(pop, split, { perUser: true })
 * const { diff, ci95, pValue } = compareModels(a, b, 'ndcg@10')
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when a result lacks per-user values for `metric`; EMPTY_INPUT when fewer than 2 users have a value in both.
 */
export function compareModels(a: SplitResult, b: SplitResult, metric: string): ModelComparison {
  const va = a.perUser?.values[metric]
  const vb = b.perUser?.values[metric]
  if (!a.perUser || !b.perUser || !va || !vb) {
    const which = !va ? 'the first' : 'the second'
    throw new RecForgeError(
      'INVALID_ARGUMENT',
      `${which} result has no per-user values for "${metric}"; evaluate with { perUser: true } and a metric the protocol reports (have: ${Object.keys((!va ? a : b).perUser?.values ?? {}).join(', ') || 'none'})`,
    )
  }
  const slot = new Map<number, number>()
  b.perUser.users.forEach((u, j) => slot.set(u, j))
  const xs: number[] = []
  const ys: number[] = []
  a.perUser.users.forEach((u, j) => {
    const jb = slot.get(u)
    if (jb === undefined) return
    const x = va[j]!
    const y = vb[jb]!
    if (Number.isFinite(x) && Number.isFinite(y)) {
      xs.push(x)
      ys.push(y)
    }
  })
  const n = xs.length
  if (n < 2) throw new RecForgeError('EMPTY_INPUT', `only ${n} user(s) have a finite "${metric}" in both results; a paired comparison needs at least 2`)
  const diffs = new Float64Array(n)
  let sa = 0
  let sb = 0
  for (let j = 0; j < n; j++) {
    diffs[j] = xs[j]! - ys[j]!
    sa += xs[j]!
    sb += ys[j]!
  }
  const t = pairedTTest(diffs, 0.95)
  const w = wilcoxonSignedRank(diffs)
  return { meanA: sa / n, meanB: sb / n, diff: t.meanDiff, ci95: t.ci, tStat: t.tStat, pValue: t.pValue, wilcoxonP: w.pValue, n }
}
