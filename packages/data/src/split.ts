import {
  checkNumber,
  filterEntries,
  fromCoo,
  IdVocabulary,
  nnz,
  Random,
  RecForgeError,
  SPLIT_PROTOCOLS,
  type EvalSplit,
  type EvalSplitProtocol,
  type Interactions,
  type SplitProtocol,
} from '@recforge/core'
import type { Dataset } from './types'

/** Options for {@link splitProtocol}. */
export interface SplitOptions {
  /** Seed of every random choice; the same seed gives the same split. */
  seed: number
  /** Sampled negatives per user for `loo-sampled`. Defaults to `99`. */
  negatives?: number
  /** Folds for `rating-folds` when the dataset has no folds of its own. Defaults to `5`. */
  folds?: number
  /** Test share for `rating-holdout`, `holdout-full` and `temporal-full`. Defaults to `0.2`. */
  testFraction?: number
}

/**
 * Counts test interactions whose user, or whose item, has no training interaction.
 *
 * @example
 * ```ts
 * const { unseenUsers, unseenItems } = countUnseen(train, test)
 * ```
 * @throws never.
 */
export function countUnseen(train: Interactions, test: Interactions): { unseenUsers: number; unseenItems: number } {
  const itemSeen = new Uint8Array(train.items.size)
  const nTrain = nnz(train)
  for (let k = 0; k < nTrain; k++) itemSeen[train.indices[k]!] = 1
  let unseenUsers = 0
  let unseenItems = 0
  for (let u = 0; u < test.users.size; u++) {
    const a = test.indptr[u]!
    const b = test.indptr[u + 1]!
    if (b === a) continue
    const hasTrain = u < train.users.size && train.indptr[u + 1]! > train.indptr[u]!
    if (!hasTrain) unseenUsers += b - a
    for (let k = a; k < b; k++) if (!itemSeen[test.indices[k]!]) unseenItems++
  }
  return { unseenUsers, unseenItems }
}

function cut(data: Interactions, testMask: Uint8Array, protocol: EvalSplitProtocol, fold: number): EvalSplit {
  const train = filterEntries(data, (k) => testMask[k] === 0)
  const test = filterEntries(data, (k) => testMask[k] === 1)
  return { protocol, fold, train, test, ...countUnseen(train, test) }
}

function requireData(data: Interactions, protocol: string): number {
  const n = nnz(data)
  if (n === 0) throw new RecForgeError('EMPTY_INPUT', `protocol "${protocol}" needs interactions; the dataset has none`)
  return n
}

/** Random 80/20 (by default) of all interactions. */
function ratingHoldout(data: Interactions, seed: number, fraction: number): EvalSplit {
  const n = requireData(data, 'rating-holdout')
  const nTest = Math.min(n - 1, Math.max(1, Math.round(n * fraction)))
  const perm = new Random(seed).permutation(n)
  const mask = new Uint8Array(n)
  for (let j = 0; j < nTest; j++) mask[perm[j]!] = 1
  return cut(data, mask, 'rating-holdout', 0)
}

/** Seeded k-fold cross-validation over interactions: fold f tests the entries whose shuffled position is f mod k. */
function kFold(data: Interactions, seed: number, k: number): EvalSplit[] {
  const n = requireData(data, 'rating-folds')
  if (n < k) throw new RecForgeError('INVALID_ARGUMENT', `rating-folds needs at least ${k} interactions for ${k} folds; the dataset has ${n}`)
  const perm = new Random(seed).permutation(n)
  const foldOf = new Uint8Array(n)
  for (let j = 0; j < n; j++) foldOf[perm[j]!] = j % k
  const out: EvalSplit[] = []
  for (let f = 0; f < k; f++) {
    const mask = new Uint8Array(n)
    for (let j = 0; j < n; j++) if (foldOf[j] === f) mask[j] = 1
    out.push(cut(data, mask, 'rating-folds', f))
  }
  return out
}

/** Per user, a random share (at least one, never all) is tested; users with fewer than 2 interactions stay in training. */
function holdoutFull(data: Interactions, seed: number, fraction: number): EvalSplit {
  const n = requireData(data, 'holdout-full')
  const rng = new Random(seed)
  const mask = new Uint8Array(n)
  let pos = new Int32Array(64)
  for (let u = 0; u < data.users.size; u++) {
    const a = data.indptr[u]!
    const m = data.indptr[u + 1]! - a
    if (m < 2) continue
    const nt = Math.min(m - 1, Math.max(1, Math.round(m * fraction)))
    if (pos.length < m) pos = new Int32Array(m * 2)
    for (let j = 0; j < m; j++) pos[j] = j
    // partial Fisher-Yates: the first nt positions are a uniform sample
    for (let j = 0; j < nt; j++) {
      const r = j + rng.int(m - j)
      const t = pos[j]!
      pos[j] = pos[r]!
      pos[r] = t
      mask[a + pos[j]!] = 1
    }
  }
  return cut(data, mask, 'holdout-full', 0)
}

/** The latest share of interactions by time, globally; ties at the cut go to the later CSR position. */
function temporalFull(data: Interactions, fraction: number): EvalSplit {
  const n = requireData(data, 'temporal-full')
  const ts = data.timestamps
  if (!ts) throw new RecForgeError('INVALID_ARGUMENT', 'protocol "temporal-full" needs timestamps; this dataset has none (give a time column with timeCol)')
  const nTest = Math.min(n - 1, Math.max(1, Math.round(n * fraction)))
  const sorted = ts.slice(0, n).sort()
  const threshold = sorted[n - nTest]!
  let above = 0
  for (let k = 0; k < n; k++) if (ts[k]! > threshold) above++
  let tiesNeeded = nTest - above
  const mask = new Uint8Array(n)
  for (let k = n - 1; k >= 0; k--) {
    const t = ts[k]!
    if (t > threshold) mask[k] = 1
    else if (t === threshold && tiesNeeded > 0) {
      mask[k] = 1
      tiesNeeded--
    }
  }
  return cut(data, mask, 'temporal-full', 0)
}

/**
 * Leave-one-out with sampled negatives (He et al. 2017): per user with at least two interactions,
 * the latest by timestamp (ties: the later in input order; without timestamps, the last in input
 * order) is the test item; the candidates are that item followed by `negatives` distinct items the
 * user never interacted with, drawn uniformly with the seed (fewer when the catalogue runs out).
 */
function looSampled(data: Interactions, seed: number, negatives: number): EvalSplit {
  const n = requireData(data, 'loo-sampled')
  const nu = data.users.size
  const ni = data.items.size
  const ts = data.timestamps
  const rng = new Random(seed)
  const mask = new Uint8Array(n)
  const testItem = new Int32Array(nu).fill(-1)
  for (let u = 0; u < nu; u++) {
    const a = data.indptr[u]!
    const b = data.indptr[u + 1]!
    if (b - a < 2) continue
    let best = a
    if (ts) {
      for (let k = a + 1; k < b; k++) if (ts[k]! >= ts[best]!) best = k
    } else best = b - 1
    mask[best] = 1
    testItem[u] = data.indices[best]!
  }
  const split = cut(data, mask, 'loo-sampled', 0)
  const indptr = new Int32Array(nu + 1)
  const mark = new Int32Array(ni)
  let items = new Int32Array(Math.max(16, Math.min(nu, 1 << 16) * (negatives + 1)))
  let p = 0
  const pool = new Int32Array(ni)
  for (let u = 0; u < nu; u++) {
    const t = testItem[u]!
    if (t >= 0) {
      const stamp = u + 1
      let distinct = 0
      for (let k = data.indptr[u]!; k < data.indptr[u + 1]!; k++) {
        const i = data.indices[k]!
        if (mark[i] !== stamp) {
          mark[i] = stamp
          distinct++
        }
      }
      const available = ni - distinct
      const take = Math.min(negatives, available)
      if (p + 1 + take > items.length) {
        const bigger = new Int32Array(Math.max(items.length * 2, p + 1 + take))
        bigger.set(items.subarray(0, p))
        items = bigger
      }
      items[p++] = t
      if (available <= 2 * take) {
        // dense case: list the available items and take a uniform sample without replacement
        let m = 0
        for (let i = 0; i < ni; i++) if (mark[i] !== stamp) pool[m++] = i
        for (let j = 0; j < take; j++) {
          const r = j + rng.int(m - j)
          const x = pool[r]!
          pool[r] = pool[j]!
          pool[j] = x
          items[p++] = x
        }
      } else {
        // sparse case: rejection sampling against the user's items and those already drawn
        for (let j = 0; j < take; ) {
          const i = rng.int(ni)
          if (mark[i] === stamp) continue
          mark[i] = stamp
          items[p++] = i
          j++
        }
      }
    }
    indptr[u + 1] = p
  }
  return { ...split, candidates: { indptr, items: items.slice(0, p) } }
}

/**
 * Cuts a dataset into evaluation splits by a protocol of EVAL.md. Train and test share the
 * dataset's vocabularies; nothing from a test part is in its train part; the same seed gives the
 * same split. `rating-folds` uses the dataset's own folds when it has them (MovieLens 100K u1..u5).
 *
 * @example
 * ```ts
 * const [split] = splitProtocol(ds, 'loo-sampled', { seed: 42 })
 * split.candidates?.items // per user: test item, then 99 negatives
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an unknown protocol, bad options, or `temporal-full` without timestamps; EMPTY_INPUT when there are no interactions.
 */
export function splitProtocol(ds: Dataset, protocol: SplitProtocol, opts: SplitOptions): EvalSplit[] {
  const seed = checkNumber('seed', opts.seed, { integer: true })
  const fraction = checkNumber('testFraction', opts.testFraction ?? 0.2, { min: 0, max: 1, exclusiveMin: true })
  if (fraction >= 1) throw new RecForgeError('INVALID_ARGUMENT', `option "testFraction" must be < 1; got ${fraction}`)
  const data = ds.interactions
  switch (protocol) {
    case 'rating-holdout':
      return [ratingHoldout(data, seed, fraction)]
    case 'rating-folds': {
      if (ds.folds?.length) return ds.folds.map((f, i) => ({ protocol: 'rating-folds', fold: i, train: f.train, test: f.test, ...countUnseen(f.train, f.test) }))
      return kFold(data, seed, checkNumber('folds', opts.folds ?? 5, { integer: true, min: 2, max: 255 }))
    }
    case 'loo-sampled':
      return [looSampled(data, seed, checkNumber('negatives', opts.negatives ?? 99, { integer: true, min: 0 }))]
    case 'holdout-full':
      return [holdoutFull(data, seed, fraction)]
    case 'temporal-full':
      return [temporalFull(data, fraction)]
    default:
      throw new RecForgeError('INVALID_ARGUMENT', `unknown protocol ${JSON.stringify(protocol)}; expected one of ${SPLIT_PROTOCOLS.join(', ')} (or givenSplit for "given")`)
  }
}

/**
 * The `given` protocol: the user's own train and test sets. The test set is mapped onto the
 * training vocabularies, which are extended (after the training ids) by test-only users and items,
 * so those have no training interactions; their test interactions are counted in `unseenUsers` /
 * `unseenItems`, never dropped.
 *
 * @example
 * ```ts
 * const split = givenSplit(await loadDataset('csv:train.csv'), await loadDataset('csv:test.csv'))
 * ```
 * @throws RecForgeError EMPTY_INPUT when the training set has no interactions.
 */
export function givenSplit(train: Dataset, test: Dataset): EvalSplit {
  const tr = train.interactions
  const te = test.interactions
  if (nnz(tr) === 0) throw new RecForgeError('EMPTY_INPUT', `the training set (${train.reports[0]?.file ?? train.name}) has no interactions`)
  const users = new IdVocabulary(tr.users.ids())
  const items = new IdVocabulary(tr.items.ids())
  const n = nnz(te)
  const userIdx = new Int32Array(n)
  const itemIdx = new Int32Array(n)
  const itemMap = new Int32Array(te.items.size)
  for (let i = 0; i < te.items.size; i++) itemMap[i] = items.add(te.items.id(i))
  for (let u = 0; u < te.users.size; u++) {
    const a = te.indptr[u]!
    const b = te.indptr[u + 1]!
    if (a === b) continue
    const gu = users.add(te.users.id(u))
    for (let k = a; k < b; k++) {
      userIdx[k] = gu
      itemIdx[k] = itemMap[te.indices[k]!]!
    }
  }
  const indptr = new Int32Array(users.size + 1)
  indptr.set(tr.indptr)
  indptr.fill(tr.indptr[tr.users.size]!, tr.users.size + 1)
  const trainX: Interactions = { users, items, indptr, indices: tr.indices, values: tr.values, ...(tr.timestamps ? { timestamps: tr.timestamps } : {}) }
  const testX = fromCoo({ users, items, userIdx, itemIdx, values: te.values.slice(0, n), ...(te.timestamps ? { timestamps: te.timestamps.slice(0, n) } : {}) })
  return { protocol: 'given', fold: 0, train: trainX, test: testX, ...countUnseen(trainX, testX) }
}
