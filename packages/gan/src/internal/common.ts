import { RecForgeError, throwIfAborted, type FitOptions, type Random } from '@recforge/core'
import { takeRows, tf, trainEpochs, type Batcher, type VariableAdam } from '@recforge/tf'

/** Small normal values (embedding initialisation). */
export function normalInit(rng: Random, n: number, std: number): Float32Array {
  return rng.fillNormal(new Float32Array(n), 0, std) as Float32Array
}

/** Dense 0/1 rows for `users` from CSR rows (`indptr`, `indices`), row-major `users.length × numItems`. */
export function denseRows(indptr: Int32Array, indices: Int32Array, users: Int32Array, numItems: number): Float32Array {
  const out = new Float32Array(users.length * numItems)
  for (let b = 0; b < users.length; b++) {
    const u = users[b]!
    const base = b * numItems
    for (let k = indptr[u]!; k < indptr[u + 1]!; k++) out[base + indices[k]!] = 1
  }
  return out
}

/** Users with at least one training interaction (those a GAN can learn from). */
export function activeUsers(indptr: Int32Array): Int32Array {
  const n = indptr.length - 1
  let m = 0
  for (let u = 0; u < n; u++) if (indptr[u + 1]! > indptr[u]!) m++
  const out = new Int32Array(m)
  m = 0
  for (let u = 0; u < n; u++) if (indptr[u + 1]! > indptr[u]!) out[m++] = u
  return out
}

/**
 * One optimizer step: `prepare` builds the batch's tensors and returns the loss function, which
 * `opt` minimises over its variables inside one `tf.tidy`; returns the loss before the step.
 */
export function minimizeStep(opt: VariableAdam, prepare: () => () => tf.Scalar): number {
  return tf.tidy(() => opt.minimize(prepare()))
}

/** Options of {@link trainUserEpochs}. */
export interface UserEpochs {
  /** The model's name, for messages. */
  readonly name: string
  readonly epochs: number
  /** The users to batch. */
  readonly users: Int32Array
  /** Batches of positions in `users`, shuffled each epoch with the fit's generator (one for all phases of a fit, so the shuffles go on from one phase to the next). */
  readonly batcher: Batcher
  /** The losses each batch returns, as progress metrics: key and how messages name it. */
  readonly losses: Readonly<Record<string, string>>
  /** Progress stage. Defaults to `'epoch'`. */
  readonly stage?: string
  /** Epochs of earlier phases, for the progress count. Defaults to `0`. */
  readonly offset?: number
  /** All epochs of the fit, for the progress count. Defaults to `offset + epochs`. */
  readonly total?: number
}

/**
 * The epochs of a GAN phase through `@recforge/tf`'s `trainEpochs` and `Batcher`: each epoch
 * shuffles the users, runs `step` on each batch (it returns the batch's
 * losses), reports the mean losses as progress metrics and stops when one is not finite.
 *
 * @throws RecForgeError INVALID_ARGUMENT when a loss is not finite; ABORTED when the signal fires.
 */
export async function trainUserEpochs(o: UserEpochs, fit: FitOptions, step: (batch: Int32Array) => Promise<Readonly<Record<string, number>>>): Promise<void> {
  const buf = new Int32Array(o.batcher.batchSize)
  const keys = Object.keys(o.losses)
  await trainEpochs({
    epochs: o.epochs,
    stage: o.stage ?? 'epoch',
    progressOffset: o.offset ?? 0,
    ...(o.total !== undefined ? { progressTotal: o.total } : {}),
    ...(fit.signal ? { signal: fit.signal } : {}),
    ...(fit.onProgress ? { onProgress: fit.onProgress } : {}),
    runEpoch: async (epoch) => {
      const sums = keys.map(() => 0)
      let batches = 0
      for (const rows of o.batcher.epoch()) {
        throwIfAborted(fit.signal, `${o.name} fit`)
        const losses = await step(takeRows(o.users, rows, buf))
        keys.forEach((k, j) => (sums[j]! += losses[k]!))
        batches++
      }
      const figures: Record<string, number> = {}
      keys.forEach((k, j) => {
        const value = sums[j]! / batches
        if (!Number.isFinite(value)) throw new RecForgeError('INVALID_ARGUMENT', `${o.name}: ${o.losses[k]} became ${value} at epoch ${epoch + 1}; lower the learning rate`)
        figures[k] = value
      })
      return figures
    },
  })
}
