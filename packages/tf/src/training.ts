import * as tf from '@tensorflow/tfjs-core'
import { Random, RecForgeError, checkNumber, throwIfAborted, type ProgressEvent } from '@recforge/core'

/**
 * Seeded mini-batches over `size` rows without per-row objects: each epoch draws a new
 * permutation from the seeded {@link Random} into one reused `Int32Array`, and batches are
 * views into it. Use {@link takeRows} to copy the rows of a batch into reused buffers.
 *
 * @example
 * ```ts
 * const b = new Batcher({ size: 1000, batchSize: 256, seed: 42 })
 * for (const rows of b.epoch()) takeRows(users, rows, userBatch)
 * ```
 */
export class Batcher {
  readonly size: number
  readonly batchSize: number
  private readonly rng: Random | undefined
  private readonly order: Int32Array

  /**
   * @throws RecForgeError INVALID_ARGUMENT when `size` is negative or `batchSize` is not a positive integer.
   */
  constructor(opts: {
    /** Number of rows. */
    size: number
    /** Rows per batch (the last batch may be smaller). */
    batchSize: number
    /** Seed of the shuffle. Defaults to `42`. */
    seed?: number
    /** Shuffle each epoch; `false` keeps row order. Defaults to `true`. */
    shuffle?: boolean
    /**
     * A generator to shuffle with instead of one seeded with `seed`, for a model that draws its
     * shuffles from the same stream as its other random choices. Defaults to `undefined`.
     */
    rng?: Random
  }) {
    this.size = checkNumber('size', opts.size, { min: 0, integer: true })
    this.batchSize = checkNumber('batchSize', opts.batchSize, { min: 1, integer: true })
    this.rng = opts.shuffle === false ? undefined : (opts.rng ?? new Random(opts.seed ?? 42))
    this.order = new Int32Array(this.size)
    for (let i = 0; i < this.size; i++) this.order[i] = i
  }

  /** Number of batches per epoch. */
  get batches(): number {
    return Math.ceil(this.size / this.batchSize)
  }

  /** The row indices of each batch of one epoch (views into one reused buffer; copy before the next epoch). */
  *epoch(): Generator<Int32Array> {
    if (this.rng) this.rng.shuffle(this.order)
    for (let s = 0; s < this.size; s += this.batchSize) yield this.order.subarray(s, Math.min(this.size, s + this.batchSize))
  }
}

type Typed = Int32Array | Float32Array | Float64Array | Uint8Array

/**
 * Copies rows `rows` of a row-major typed array with `width` values per row into `out`
 * (reused between batches) and returns the filled view.
 *
 * @example
 * ```ts
 * const view = takeRows(pairs, rows, buffer, 2) // pairs holds (user, item) per row
 * ```
 * @throws RecForgeError DIMENSION_MISMATCH when `out` is too small.
 */
export function takeRows<T extends Typed>(src: T, rows: Int32Array, out: T, width = 1): T {
  const n = rows.length * width
  if (out.length < n) throw new RecForgeError('DIMENSION_MISMATCH', `takeRows: output buffer holds ${out.length} values; ${rows.length} rows of width ${width} need ${n}`)
  if (width === 1) {
    for (let j = 0; j < rows.length; j++) out[j] = src[rows[j]!]!
  } else {
    for (let j = 0; j < rows.length; j++) {
      const s = rows[j]! * width
      const o = j * width
      for (let c = 0; c < width; c++) out[o + c] = src[s + c]!
    }
  }
  return out.subarray(0, n) as T
}

/**
 * Early stopping on a monitored figure: stop after `patience` epochs without an improvement
 * larger than `minDelta`.
 *
 * @example
 * ```ts
 * const stop = new EarlyStopping({ patience: 2 })
 * if (stop.update(epoch, valLoss)) break
 * ```
 */
export class EarlyStopping {
  readonly patience: number
  readonly minDelta: number
  readonly mode: 'min' | 'max'
  /** Best value seen so far. */
  best = Number.NaN
  /** Epoch of the best value (-1 before any update). */
  bestEpoch = -1
  private waited = 0

  /**
   * @throws RecForgeError INVALID_ARGUMENT for a negative patience or minDelta.
   */
  constructor(opts: {
    /** Epochs without improvement before stopping. Defaults to `3`. */
    patience?: number
    /** Smallest change that counts as an improvement. Defaults to `0`. */
    minDelta?: number
    /** Whether lower (`min`, losses) or higher (`max`, hit rates) is better. Defaults to `'min'`. */
    mode?: 'min' | 'max'
  } = {}) {
    this.patience = checkNumber('patience', opts.patience ?? 3, { min: 0, integer: true })
    this.minDelta = checkNumber('minDelta', opts.minDelta ?? 0, { min: 0 })
    this.mode = opts.mode ?? 'min'
  }

  /** Records the figure for `epoch`; returns true when training should stop. NaN counts as no improvement. */
  update(epoch: number, value: number): boolean {
    const better = Number.isNaN(this.best) ? !Number.isNaN(value) : this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta
    if (better) {
      this.best = value
      this.bestEpoch = epoch
      this.waited = 0
      return false
    }
    this.waited++
    return this.waited > this.patience
  }
}

/**
 * Sums scalar tensors (batch losses) on the device without reading them back, so the training
 * loop never waits on `dataSync`; {@link read} fetches the mean once per epoch.
 *
 * @example
 * ```ts
 * const acc = new ScalarMean()
 * acc.add(loss) // takes ownership of `loss`
 * const meanLoss = await acc.read()
 * ```
 */
export class ScalarMean {
  private sum: tf.Tensor | undefined
  private count = 0

  /** Adds `t` (a scalar) and disposes it. */
  add(t: tf.Tensor): void {
    const next = this.sum ? tf.add(this.sum, t) : tf.clone(t)
    this.sum?.dispose()
    t.dispose()
    this.sum = next
    this.count++
  }

  /** The mean of the values added since the last read (NaN when none), then resets. */
  async read(): Promise<number> {
    if (!this.sum) return Number.NaN
    const v = (await this.sum.data())[0]! / this.count
    this.sum.dispose()
    this.sum = undefined
    this.count = 0
    return v
  }

  /** Frees the running sum. */
  dispose(): void {
    this.sum?.dispose()
    this.sum = undefined
    this.count = 0
  }
}

/** Options of {@link trainEpochs}. */
export interface TrainEpochsOptions {
  /** Number of epochs to run at most. */
  epochs: number
  /** Runs one epoch (0-based) and returns its figures, e.g. `{ loss }`. */
  runEpoch: (epoch: number) => Promise<Record<string, number>>
  /** Stops between epochs with an ABORTED error. Defaults to `undefined`. */
  signal?: AbortSignal
  /** Receives `{ stage, current, total, metrics }` after every epoch. Defaults to `undefined`. */
  onProgress?: (event: ProgressEvent) => void
  /** The progress stage name. Defaults to `'epoch'`. */
  stage?: string
  /** Added to the epoch number in progress events, for a fit that runs several phases in one count. Defaults to `0`. */
  progressOffset?: number
  /** The `total` of progress events. Defaults to `progressOffset + epochs`. */
  progressTotal?: number
  /**
   * Runs after each epoch (0-based), after its progress event and before early stopping looks at
   * it; awaited. Tensors it keeps do not count as a leak. Defaults to `undefined`.
   */
  afterEpoch?: (epoch: number, figures: Readonly<Record<string, number>>) => void | Promise<void>
  /** Early stopping and the figure it watches (a key of what `runEpoch` returns). Defaults to `undefined` (run every epoch). */
  earlyStopping?: { monitor: string; rule: EarlyStopping }
  /**
   * What to do when `tf.memory().numTensors` grows between epochs (a tensor leak): `throw` a
   * RecForgeError, `warn` through `log`, or `ignore`. Defaults to `'throw'`.
   */
  leakCheck?: 'throw' | 'warn' | 'ignore'
  /** Where `warn` messages go. Defaults to `console.warn`. */
  log?: (message: string) => void
}

/** What {@link trainEpochs} did. */
export interface TrainEpochsResult {
  /** Epochs actually run. */
  readonly epochs: number
  /** The figures of every epoch, in order. */
  readonly history: readonly Readonly<Record<string, number>>[]
  /** `tf.memory().numTensors` after each epoch (flat when nothing leaks). */
  readonly tensorCounts: readonly number[]
  /** True when early stopping ended training. */
  readonly stoppedEarly: boolean
  /** Seconds per epoch (wall clock). */
  readonly epochSeconds: readonly number[]
}

/**
 * The shared epoch loop: runs `runEpoch`, reports progress, honours the abort signal, applies
 * early stopping and checks that the number of live tensors stays flat across epochs.
 *
 * @example
 * ```ts
 * const res = await trainEpochs({ epochs: 10, runEpoch: async (e) => ({ loss: await step(e) }) })
 * ```
 * @throws RecForgeError ABORTED when the signal fires; INVALID_ARGUMENT when tensors leak and `leakCheck` is `'throw'`.
 */
export async function trainEpochs(opts: TrainEpochsOptions): Promise<TrainEpochsResult> {
  const epochs = checkNumber('epochs', opts.epochs, { min: 0, integer: true })
  const history: Record<string, number>[] = []
  const tensorCounts: number[] = []
  const epochSeconds: number[] = []
  const leak = opts.leakCheck ?? 'throw'
  const offset = checkNumber('progressOffset', opts.progressOffset ?? 0, { min: 0, integer: true })
  const total = opts.progressTotal ?? offset + epochs
  let stoppedEarly = false
  for (let e = 0; e < epochs; e++) {
    throwIfAborted(opts.signal, 'training')
    const t0 = performance.now()
    const figures = await opts.runEpoch(e)
    epochSeconds.push((performance.now() - t0) / 1000)
    history.push(figures)
    const count = tf.memory().numTensors
    tensorCounts.push(count)
    if (e > 0 && count > tensorCounts[e - 1]! && leak !== 'ignore') {
      const msg = `training leaks tensors: ${tensorCounts[e - 1]} live tensors after epoch ${e}, ${count} after epoch ${e + 1}; wrap per-batch work in tf.tidy and dispose what it keeps`
      if (leak === 'throw') throw new RecForgeError('INVALID_ARGUMENT', msg)
      ;(opts.log ?? console.warn)(msg)
    }
    opts.onProgress?.({ stage: opts.stage ?? 'epoch', current: offset + e + 1, total, metrics: figures })
    if (opts.afterEpoch) {
      await opts.afterEpoch(e, figures)
      // tensors the callback keeps are its own, not a leak of the next epoch
      tensorCounts[e] = tf.memory().numTensors
    }
    if (opts.earlyStopping) {
      const v = figures[opts.earlyStopping.monitor]
      if (v === undefined) throw new RecForgeError('INVALID_ARGUMENT', `early stopping monitors "${opts.earlyStopping.monitor}", but the epoch reported only ${Object.keys(figures).join(', ') || 'nothing'}`)
      if (opts.earlyStopping.rule.update(e, v)) {
        stoppedEarly = true
        break
      }
    }
  }
  return { epochs: history.length, history, tensorCounts, stoppedEarly, epochSeconds }
}
