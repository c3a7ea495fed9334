import { RecForgeError } from '@recforge/core'

function checkPair(pred: ArrayLike<number>, truth: ArrayLike<number>, where: string): void {
  if (pred.length !== truth.length) {
    throw new RecForgeError('DIMENSION_MISMATCH', `${where}: ${pred.length} predictions for ${truth.length} true ratings; pass one prediction per rating`)
  }
  if (pred.length === 0) throw new RecForgeError('EMPTY_INPUT', `${where}: no ratings to compare`)
}

/**
 * Root mean squared error between predicted and true ratings.
 *
 * @example
 * ```ts
 * rmse(Float32Array.of(3, 4), Float32Array.of(4, 4)) // sqrt(1/2) ≈ 0.7071
 * ```
 * @throws RecForgeError DIMENSION_MISMATCH when the lengths differ; EMPTY_INPUT when both are empty.
 */
export function rmse(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  checkPair(pred, truth, 'rmse')
  let s = 0
  for (let j = 0; j < pred.length; j++) {
    const e = pred[j]! - truth[j]!
    s += e * e
  }
  return Math.sqrt(s / pred.length)
}

/**
 * Mean absolute error between predicted and true ratings.
 *
 * @example
 * ```ts
 * mae(Float32Array.of(3, 5), Float32Array.of(4, 4)) // 1
 * ```
 * @throws RecForgeError DIMENSION_MISMATCH when the lengths differ; EMPTY_INPUT when both are empty.
 */
export function mae(pred: ArrayLike<number>, truth: ArrayLike<number>): number {
  checkPair(pred, truth, 'mae')
  let s = 0
  for (let j = 0; j < pred.length; j++) s += Math.abs(pred[j]! - truth[j]!)
  return s / pred.length
}
