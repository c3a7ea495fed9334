import { RecForgeError, type Metric } from '@recforge/core'

const METRICS: readonly Metric[] = ['cosine', 'ip', 'l2']

/** Throws INVALID_ARGUMENT unless `metric` is one of the supported metrics. */
export function checkMetric(metric: unknown, where: string): Metric {
  if (!METRICS.includes(metric as Metric)) {
    throw new RecForgeError('INVALID_ARGUMENT', `${where}: metric must be one of ${METRICS.join(', ')}; got ${JSON.stringify(metric)}`)
  }
  return metric as Metric
}

/** Throws INVALID_ARGUMENT unless `d` is a positive integer. */
export function checkDimensions(d: unknown, where: string): number {
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) {
    throw new RecForgeError('INVALID_ARGUMENT', `${where}: dimensions must be a positive integer; got ${String(d)}`)
  }
  return d
}

/** Checks a query vector: a Float32Array of `d` finite numbers. */
export function checkQuery(q: Float32Array, d: number, where: string): void {
  if (!(q instanceof Float32Array)) throw new RecForgeError('INVALID_ARGUMENT', `${where}: query must be a Float32Array; got ${Object.prototype.toString.call(q)}`)
  if (q.length !== d) throw new RecForgeError('DIMENSION_MISMATCH', `${where}: query has ${q.length} dimensions; the index expects ${d}`)
  for (let j = 0; j < d; j++) {
    const x = q[j]!
    if (x - x !== 0) throw new RecForgeError('INVALID_ARGUMENT', `${where}: query component ${j} is ${x}; vectors must be finite numbers`)
  }
}

/** Checks `k`: a non-negative integer. */
export function checkK(k: number, where: string): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) throw new RecForgeError('INVALID_ARGUMENT', `${where}: k must be a non-negative integer; got ${String(k)}`)
  return k
}

/** Checks a batch of keys and row-major vectors: matching counts, right width, finite values. */
export function checkBatch(keys: Int32Array, vectors: Float32Array, d: number, where: string): void {
  if (!(keys instanceof Int32Array)) throw new RecForgeError('INVALID_ARGUMENT', `${where}: keys must be an Int32Array; got ${Object.prototype.toString.call(keys)}`)
  if (!(vectors instanceof Float32Array)) throw new RecForgeError('INVALID_ARGUMENT', `${where}: vectors must be a Float32Array; got ${Object.prototype.toString.call(vectors)}`)
  if (vectors.length !== keys.length * d) {
    throw new RecForgeError(
      'DIMENSION_MISMATCH',
      `${where}: ${keys.length} keys need ${keys.length} × ${d} = ${keys.length * d} vector values (the index has ${d} dimensions); got ${vectors.length}`,
    )
  }
  for (let i = 0; i < vectors.length; i++) {
    const x = vectors[i]!
    if (x - x !== 0) {
      throw new RecForgeError('INVALID_ARGUMENT', `${where}: vector for key ${keys[Math.floor(i / d)]} has ${x} at component ${i % d}; vectors must be finite numbers`)
    }
  }
}

/** Checks keys passed to `remove`. */
export function checkKeys(keys: Int32Array, where: string): void {
  if (!(keys instanceof Int32Array)) throw new RecForgeError('INVALID_ARGUMENT', `${where}: keys must be an Int32Array; got ${Object.prototype.toString.call(keys)}`)
}
