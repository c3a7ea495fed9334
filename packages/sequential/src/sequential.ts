import {
  BaseRecommender,
  Random,
  RecForgeError,
  param,
  requireTensor,
  sortedHas,
  throwIfAborted,
  type ConfigOf,
  type FitOptions,
  type Interactions,
  type IncrementalRecommender,
  type ModelArtifacts,
  type ModelState,
  type RecommendOptions,
  type ScoredItems,
} from '@recforge/core'
import { Batcher, ScalarMean, VariableAdam, ensureBackend, takeRows, tf, trainEpochs, type TrainEpochsResult } from '@recforge/tf'
import { initialValues, type WeightSpec } from './internal/nn'
import { lastWindow, orderHistories, trainingWindows, type OrderedHistories } from './internal/sequences'

export type { SequenceOrder } from './internal/sequences'

/** The defaults in which {@link GRU4Rec} and {@link SASRec} differ. */
export interface SequentialDefaults {
  readonly factors: number
  readonly epochs: number
  readonly learningRate: number
  readonly dropout: number
}

/**
 * The parameters every sequential recommender has, with a model's own defaults where they differ;
 * a model's schema spreads them and adds its own.
 *
 * @example
 * ```ts
 * const MY_PARAMS = defineParams({ ...sequentialParams({ factors: 32, epochs: 10, learningRate: 0.005, dropout: 0.1 }), blocks: param.int({ ... }) })
 * ```
 */
export function sequentialParams(d: SequentialDefaults) {
  return {
    factors: param.int({ default: d.factors, min: 1, description: 'size of the item embeddings and of the hidden state' }),
    maxLength: param.int({ default: 50, min: 1, description: 'most recent items of a history the model reads (the window length)' }),
    epochs: param.int({ default: d.epochs, min: 0, description: 'passes over the training windows' }),
    batchSize: param.int({ default: 128, min: 1, description: 'windows (sequences of up to maxLength items) per mini-batch' }),
    learningRate: param.float({ default: d.learningRate, min: 0, exclusiveMin: true, description: 'Adam step size' }),
    dropout: param.float({ default: d.dropout, min: 0, max: 0.95, description: 'dropout rate on embeddings and hidden layers during training' }),
    seed: param.int({ default: 42, description: 'seed of initial weights, shuffling, negatives and dropout (fit({ seed }) overrides it)' }),
    order: param.enumOf({
      values: ['time', 'input'],
      default: 'time',
      description: 'time: order each history by timestamp, ties by input order (the data must have timestamps); input: the rows as given',
    }),
  }
}

/** Options every sequential recommender takes: see {@link sequentialParams}. */
export type SequentialConfig = ConfigOf<ReturnType<typeof sequentialParams>>

/** Named parameter tensors during training. */
export type Params = Readonly<Record<string, tf.Tensor>>

/** A mini-batch of item sequences: `size` windows of `length` items (item index + 1, 0 pads on the left). */
export interface SequenceBatch {
  /** Windows in the batch. */
  readonly size: number
  /** Window length. */
  readonly length: number
  /** The items, row-major `size × length`. */
  readonly inputs: Int32Array
  /** The items as an int32 tensor `[size, length]`. */
  readonly inputTensor: tf.Tensor2D
  /** 1 where an item is present, 0 where padded, `[size, length]`. */
  readonly inputMask: tf.Tensor2D
  /** Applies dropout with the configured rate during training (identity otherwise). */
  readonly drop: (x: tf.Tensor) => tf.Tensor
}

/** What a model's loss sees of one training mini-batch. */
export interface BatchContext extends SequenceBatch {
  /** Next-item targets (item index + 1; 0 where padded), row-major `size × length`. */
  readonly targets: Int32Array
  /** The user of each window. */
  readonly users: Int32Array
  /** Number of real (non-padded) targets. */
  readonly count: number
  /** Targets as an int32 tensor `[size, length]`. */
  readonly targetTensor: tf.Tensor2D
  /** 1 where the target is real, 0 where padded, `[size, length]`. */
  readonly targetMask: tf.Tensor2D
  /** Catalogue size (items are 1..numItems in the tensors). */
  readonly numItems: number
  /** The seeded generator of this fit (for negatives). */
  readonly rng: Random
  /** Each user's training items, sorted (for sampling negatives the user never interacted with). */
  readonly seen: { readonly indptr: Int32Array; readonly items: Int32Array }
}

/**
 * One negative per real target of a batch, row-major like the targets (item index + 1; 0 where
 * the target is padding), drawn uniformly from the items the window's user never interacted with
 * (up to 100 tries, so a user who saw almost the whole catalogue still gets a negative).
 * Models call it from their loss; it is exported for custom subclasses of {@link SequentialRecommender}.
 *
 * @example
 * ```ts
 * const negatives = sampleNegatives(batch) // inside a subclass's loss(p, batch)
 * ```
 * @throws never
 */
export function sampleNegatives(batch: BatchContext): Int32Array {
  const nI = batch.numItems
  const out = new Int32Array(batch.size * batch.length)
  const { indptr, items } = batch.seen
  for (let r = 0; r < batch.size; r++) {
    const u = batch.users[r]!
    const row = items.subarray(indptr[u]!, indptr[u + 1]!)
    for (let t = 0; t < batch.length; t++) {
      const j = r * batch.length + t
      if (batch.targets[j] === 0) continue
      let c = batch.rng.int(nI)
      for (let tries = 0; tries < 100 && sortedHas(row, c); tries++) c = batch.rng.int(nI)
      out[j] = c + 1
    }
  }
  return out
}

/** Training statistics of the last `fit`. */
export interface SequentialFitReport extends TrainEpochsResult {
  /** The TensorFlow.js backend name the model trained on. */
  readonly backend: string
  /** Training windows per epoch. */
  readonly windows: number
}

/**
 * The shared machinery of next-item models: orders each user's history by time, cuts it into
 * windows of `maxLength` transitions, trains the network through TensorFlow.js autodiff with
 * `@recforge/compute`'s Adam, and keeps in plain typed arrays each user's final hidden state and the item
 * embeddings and biases. The score of item `i` for user `u` is `state(u) · E[i] + b[i]`, where
 * `state(u)` encodes the user's last `maxLength` training items; users without training items
 * get a zero state, so their ranking is the learned item bias. A history that was not in training
 * (a new user or session) is scored with {@link SequentialRecommender.recommendNewUser}.
 *
 * @example
 * ```ts
 * class MyModel extends SequentialRecommender<SequentialConfig> { ... } // networkParams, lastStates, loss
 * ```
 * @throws RecForgeError INVALID_ARGUMENT from `fit` for data without timestamps (with
 * `order: 'time'`), non-finite timestamps, no user with two interactions, or a loss that stops
 * being finite; ABORTED when the signal fires.
 */
export abstract class SequentialRecommender<C extends SequentialConfig> extends BaseRecommender<C, SequentialFitReport> implements IncrementalRecommender {
  protected weights: Record<string, Float32Array> | undefined
  protected states: Float32Array | undefined

  /** Shapes and initialisation of the network's own parameters (the item embeddings and biases are added by the base). */
  protected abstract networkParams(numItems: number): Record<string, WeightSpec>

  /** The hidden state `[B, factors]` after the last item of each sequence of the batch. */
  protected abstract lastStates(p: Params, batch: SequenceBatch): tf.Tensor2D

  /** The training loss of one mini-batch (mean over its real targets). */
  protected abstract loss(p: Params, batch: BatchContext): tf.Scalar

  private paramSpecs(numItems: number): Record<string, WeightSpec> {
    const d = this.config.factors
    return {
      itemEmbeddings: { shape: [numItems + 1, d], init: 'glorot' },
      itemBias: { shape: [numItems + 1], init: 'zeros' },
      ...this.networkParams(numItems),
    }
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    const backend = await ensureBackend()
    const c = this.config
    const nI = data.items.size
    const nU = data.users.size
    const rng = new Random(opts.seed ?? c.seed)
    const hist = orderHistories(data, c.order, this.name)
    const win = trainingWindows(hist, c.maxLength)
    if (win.count === 0) {
      throw new RecForgeError('INVALID_ARGUMENT', `${this.name}: no user has two or more interactions (${nU} users), so there is no next item to learn from`)
    }
    const seenItems = new Int32Array(hist.items)
    for (let u = 0; u < nU; u++) seenItems.subarray(hist.indptr[u]!, hist.indptr[u + 1]!).sort()
    const seen = { indptr: hist.indptr, items: seenItems }

    const specs = this.paramSpecs(nI)
    const names = Object.keys(specs)
    const vars: Record<string, tf.Variable> = {}
    for (const name of names) {
      const spec = specs[name]!
      // tidy frees the initial tensor; the variable keeps its own reference to the data
      vars[name] = tf.tidy(() => tf.variable(tf.tensor(initialValues(spec, rng), [...spec.shape]), true))
    }
    const varList = names.map((n) => vars[n]!)
    const optimizer = new VariableAdam(vars, { learningRate: c.learningRate })
    const L = c.maxLength
    const batcher = new Batcher({ size: win.count, batchSize: c.batchSize, seed: rng.uint32() })
    const inBuf = new Int32Array(c.batchSize * L)
    const tgtBuf = new Int32Array(c.batchSize * L)
    const userBuf = new Int32Array(c.batchSize)
    const dropFor = (training: boolean) => (x: tf.Tensor) => (training && c.dropout > 0 ? tf.dropout(x, c.dropout, undefined, rng.uint32()) : x)

    const step = (rows: Int32Array): tf.Scalar => {
      const B = rows.length
      const inputs = takeRows(win.inputs, rows, inBuf, L)
      const targets = takeRows(win.targets, rows, tgtBuf, L)
      const users = takeRows(win.users, rows, userBuf)
      let count = 0
      for (let j = 0; j < targets.length; j++) if (targets[j]! > 0) count++
      return tf.tidy(() => {
        const inputTensor = tf.tensor2d(inputs, [B, L], 'int32')
        const inputMask = tf.cast(tf.greater(inputTensor, 0), 'float32') as tf.Tensor2D
        const targetTensor = tf.tensor2d(targets, [B, L], 'int32')
        const targetMask = tf.cast(tf.greater(targetTensor, 0), 'float32') as tf.Tensor2D
        const batch: BatchContext = {
          size: B,
          length: L,
          inputs,
          inputTensor,
          inputMask,
          drop: dropFor(true),
          targets,
          users,
          count,
          targetTensor,
          targetMask,
          numItems: nI,
          rng,
          seen,
        }
        const { value, grads } = tf.variableGrads(() => this.loss(vars, batch), varList)
        optimizer.apply(grads)
        return value
      })
    }

    const acc = new ScalarMean()
    try {
      const result = await trainEpochs({
        epochs: c.epochs,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        runEpoch: async () => {
          let b = 0
          for (const rows of batcher.epoch()) {
            acc.add(step(rows))
            if (++b % 16 === 0) {
              throwIfAborted(opts.signal, `${this.name} training`)
              // lets an abort from a timer or another task be seen between batches
              await new Promise((r) => setTimeout(r, 0))
            }
          }
          const loss = await acc.read()
          if (!Number.isFinite(loss)) throw new RecForgeError('INVALID_ARGUMENT', `${this.name}: the training loss became ${loss}; lower learningRate (now ${c.learningRate})`)
          return { loss }
        },
      })
      throwIfAborted(opts.signal, `${this.name} training`)
      const weights = optimizer.weights()
      this.states = this.computeStates(vars, hist, nU)
      this.weights = weights
      this.fitReport = { ...result, backend: backend.name, windows: win.count }
    } finally {
      acc.dispose()
      tf.dispose(varList)
    }
  }

  /** Each user's hidden state after their last `maxLength` training items (zeros for users without items). */
  private computeStates(p: Params, hist: OrderedHistories, nU: number): Float32Array {
    const d = this.config.factors
    const L = this.config.maxLength
    const states = new Float32Array(nU * d)
    const chunk = 256
    const users = new Int32Array(chunk)
    const seqBuf = new Int32Array(chunk * L)
    const identity = (x: tf.Tensor) => x
    for (let u0 = 0; u0 < nU; ) {
      let B = 0
      for (; u0 < nU && B < chunk; u0++) {
        const items = hist.items.subarray(hist.indptr[u0]!, hist.indptr[u0 + 1]!)
        if (items.length === 0) continue
        lastWindow(items, L, seqBuf, B * L)
        users[B++] = u0
      }
      if (B === 0) continue
      const last = tf.tidy(() => {
        const inputs = seqBuf.subarray(0, B * L)
        const inputTensor = tf.tensor2d(inputs, [B, L], 'int32')
        const inputMask = tf.cast(tf.greater(inputTensor, 0), 'float32') as tf.Tensor2D
        return this.lastStates(p, { size: B, length: L, inputs, inputTensor, inputMask, drop: identity })
      })
      const v = last.dataSync() as Float32Array
      last.dispose()
      for (let j = 0; j < B; j++) states.set(v.subarray(j * d, (j + 1) * d), users[j]! * d)
    }
    return states
  }

  /** `state(user) · E[i] + b[i]` for every item, on plain typed arrays. */
  protected scoreAll(user: number, out: Float32Array): void {
    this.requireFitted()
    this.scoreState(this.states!, user * this.config.factors, out)
  }

  /** `state · E[i] + b[i]` for every item, the state read from `s` at offset `o`. */
  private scoreState(s: Float32Array, o: number, out: Float32Array): void {
    const d = this.config.factors
    const E = this.weights!.itemEmbeddings!
    const b = this.weights!.itemBias!
    for (let i = 0; i < out.length; i++) {
      const row = (i + 1) * d
      let acc = b[i + 1]!
      for (let j = 0; j < d; j++) acc += s[o + j]! * E[row + j]!
      out[i] = acc
    }
  }

  /**
   * Item vectors `[E[i], b[i]]` (items × (factors + 1)); with {@link userVector} their dot product
   * is the score, so a vector index can serve the model.
   *
   * @example
   * ```ts
   * const { vectors, dimensions } = model.itemVectors()
   * ```
   * @throws RecForgeError NOT_FITTED before fit or load.
   */
  itemVectors(): { vectors: Float32Array; dimensions: number } {
    const n = this.numItems
    const d = this.config.factors
    const E = this.weights!.itemEmbeddings!
    const b = this.weights!.itemBias!
    const out = new Float32Array(n * (d + 1))
    for (let i = 0; i < n; i++) {
      out.set(E.subarray((i + 1) * d, (i + 2) * d), i * (d + 1))
      out[i * (d + 1) + d] = b[i + 1]!
    }
    return { vectors: out, dimensions: d + 1 }
  }

  /**
   * The user's state with a trailing 1, in the space of {@link itemVectors}.
   *
   * @example
   * ```ts
   * const q = model.userVector(0)
   * ```
   * @throws RecForgeError NOT_FITTED before fit or load; UNKNOWN_ID for a user outside the training vocabulary.
   */
  userVector(user: number): Float32Array {
    this.checkUser(user)
    const d = this.config.factors
    const out = new Float32Array(d + 1)
    out.set(this.states!.subarray(user * d, (user + 1) * d))
    out[d] = 1
    return out
  }

  /**
   * Recommends for a history that was not in training (a new user or a new session), given its
   * items in order, oldest first; runs the network once on the last `maxLength` items. Needs the
   * TensorFlow.js backend started (`await initBackend()` from `@recforge/tf`, as `fit` does).
   * `values` is ignored: the order of the items is what the model reads.
   *
   * @example
   * ```ts
   * await initBackend()
   * const model = await SASRec.load(artifacts)
   * model.recommendNewUser(new Int32Array([12, 7, 40]), undefined, { k: 10 })
   * ```
   * @throws RecForgeError NOT_FITTED before fit or load; UNKNOWN_ID for an item outside the
   * catalogue; BACKEND_UNAVAILABLE when no TensorFlow.js backend has been started.
   */
  recommendNewUser(items: Int32Array, values?: Float32Array, opts: RecommendOptions = {}): ScoredItems {
    void values
    this.checkItems(items)
    const state = new Float32Array(this.config.factors)
    if (items.length > 0) state.set(this.encodeHistory(items))
    const all = new Float32Array(this.numItems)
    this.scoreState(state, 0, all)
    return this.rankNewUser(all, items, opts)
  }

  /** The state after reading `items` (oldest first), computed with the trained weights on the active backend. */
  private encodeHistory(items: Int32Array): Float32Array {
    let backend: string | undefined
    try {
      backend = tf.getBackend()
    } catch (e) {
      throw new RecForgeError('BACKEND_UNAVAILABLE', `${this.name}: encoding a new history needs a TensorFlow.js backend; call \`await initBackend()\` from @recforge/tf first`, { cause: e })
    }
    if (!backend) throw new RecForgeError('BACKEND_UNAVAILABLE', `${this.name}: encoding a new history needs a TensorFlow.js backend; call \`await initBackend()\` from @recforge/tf first`)
    const L = this.config.maxLength
    const inputs = new Int32Array(L)
    lastWindow(items, L, inputs, 0)
    const specs = this.paramSpecs(this.numItems)
    const out = tf.tidy(() => {
      const p: Record<string, tf.Tensor> = {}
      for (const [name, spec] of Object.entries(specs)) p[name] = tf.tensor(this.weights![name]!, [...spec.shape])
      const inputTensor = tf.tensor2d(inputs, [1, L], 'int32')
      const inputMask = tf.cast(tf.greater(inputTensor, 0), 'float32') as tf.Tensor2D
      return this.lastStates(p, { size: 1, length: L, inputs, inputTensor, inputMask, drop: (x) => x })
    })
    const v = out.dataSync() as Float32Array
    out.dispose()
    return v
  }

  protected override saveState(): ModelState {
    const tensors: Record<string, Float32Array> = { states: this.states! }
    for (const [name, w] of Object.entries(this.weights!)) tensors[`w.${name}`] = w
    return { tensors }
  }

  /** Restores what {@link saveState} wrote, checking every size against the config and vocabularies. */
  protected override restoreState(a: ModelArtifacts): void {
    const nI = this.numItems
    const nU = this.numUsers
    const d = this.config.factors
    const states = requireTensor(a, 'states', Float32Array)
    if (states.length !== nU * d) throw new RecForgeError('PARSE_ERROR', `${this.name} artifacts: states hold ${states.length} values; ${nU} users × ${d} factors need ${nU * d}`)
    const weights: Record<string, Float32Array> = {}
    for (const [name, spec] of Object.entries(this.paramSpecs(nI))) {
      const w = requireTensor(a, `w.${name}`, Float32Array)
      const size = spec.shape.reduce((x, y) => x * y, 1)
      if (w.length !== size) throw new RecForgeError('PARSE_ERROR', `${this.name} artifacts: weight "${name}" holds ${w.length} values; shape [${spec.shape.join(', ')}] needs ${size}`)
      weights[name] = w
    }
    this.states = states
    this.weights = weights
  }
}
