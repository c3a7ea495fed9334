import { RecForgeError, type Interactions, type ItemMajor, nnz } from '@recforge/core'

/**
 * Catalogue coverage: the share of the catalogue's `numItems` items that appear in at least one list.
 *
 * @example
 * ```ts
 * catalogueCoverage([Int32Array.of(0, 1), Int32Array.of(1, 2)], 10) // 0.3
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `numItems` is not a positive integer or a list holds an item outside 0..numItems-1.
 */
export function catalogueCoverage(lists: readonly Int32Array[], numItems: number): number {
  checkCatalogue(numItems, 'catalogueCoverage')
  const seen = new Uint8Array(numItems)
  let distinct = 0
  for (const list of lists) {
    for (let p = 0; p < list.length; p++) {
      const i = checkItem(list[p]!, numItems, 'catalogueCoverage')
      if (seen[i] === 0) {
        seen[i] = 1
        distinct++
      }
    }
  }
  return distinct / numItems
}

/**
 * Item popularity from training data: the number of entries per item, and the number of users with at least one entry.
 *
 * @example
 * ```ts
 * const { counts, users } = trainingPopularity(split.train)
 * ```
 * @throws Never.
 */
export function trainingPopularity(train: Interactions): { counts: Int32Array; users: number } {
  const counts = new Int32Array(train.items.size)
  const n = nnz(train)
  for (let k = 0; k < n; k++) counts[train.indices[k]!]!++
  let users = 0
  for (let u = 0; u < train.users.size; u++) if (train.indptr[u + 1]! > train.indptr[u]!) users++
  return { counts, users }
}

/**
 * Novelty of one list: the mean self-information -log2(popularity(i) / numUsers) of its items, with
 * popularity counted in training. An item never seen in training counts as seen once (the largest finite value).
 *
 * @example
 * ```ts
 * novelty(Int32Array.of(0, 1), Int32Array.of(4, 1), 8) // (-log2(4/8) - log2(1/8)) / 2 = 2
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `numUsers` is not a positive integer or an item has no popularity entry; EMPTY_INPUT for an empty list.
 */
export function novelty(ranked: Int32Array, popularity: Int32Array, numUsers: number): number {
  if (!Number.isInteger(numUsers) || numUsers < 1) throw new RecForgeError('INVALID_ARGUMENT', `novelty: numUsers must be a positive integer; got ${String(numUsers)}`)
  if (ranked.length === 0) throw new RecForgeError('EMPTY_INPUT', 'novelty: the list is empty')
  let s = 0
  for (let p = 0; p < ranked.length; p++) s += selfInformation(popularity[checkItem(ranked[p]!, popularity.length, 'novelty')]!, numUsers)
  return s / ranked.length
}

/** -log2(max(1, count) / numUsers). @internal */
export function selfInformation(count: number, numUsers: number): number {
  return -Math.log2(Math.max(1, count) / numUsers)
}

/**
 * Average recommendation popularity (ARP) of one list: the mean training popularity count of its items.
 *
 * @example
 * ```ts
 * averagePopularity(Int32Array.of(0, 1), Int32Array.of(4, 1)) // 2.5
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when an item has no popularity entry; EMPTY_INPUT for an empty list.
 */
export function averagePopularity(ranked: Int32Array, popularity: Int32Array): number {
  if (ranked.length === 0) throw new RecForgeError('EMPTY_INPUT', 'averagePopularity: the list is empty')
  let s = 0
  for (let p = 0; p < ranked.length; p++) s += popularity[checkItem(ranked[p]!, popularity.length, 'averagePopularity')]!
  return s / ranked.length
}

/**
 * Gini index of how often each catalogue item was recommended: 0 when every item is shown equally
 * often, approaching 1 when a few items take every slot. Items never recommended count with 0.
 *
 * @example
 * ```ts
 * giniIndex(Float64Array.of(0, 0, 0, 5)) // 0.75
 * ```
 * @throws RecForgeError EMPTY_INPUT for no items; INVALID_ARGUMENT for a negative or non-finite count.
 */
export function giniIndex(counts: ArrayLike<number>): number {
  const n = counts.length
  if (n === 0) throw new RecForgeError('EMPTY_INPUT', 'giniIndex: no item counts')
  const s = new Float64Array(n)
  let total = 0
  for (let j = 0; j < n; j++) {
    const c = counts[j]!
    if (!(c >= 0) || !Number.isFinite(c)) throw new RecForgeError('INVALID_ARGUMENT', `giniIndex: count ${j} is ${String(c)}; counts must be finite and >= 0`)
    s[j] = c
    total += c
  }
  if (total === 0) return 0
  s.sort()
  let acc = 0
  for (let j = 0; j < n; j++) acc += (2 * (j + 1) - n - 1) * s[j]!
  return acc / (n * total)
}

/**
 * Intra-list diversity of one list: the mean of 1 - similarity(i, j) over its unordered pairs.
 * `similarity` is any symmetric function; see {@link cosineSimilarity} and {@link userOverlapSimilarity}.
 *
 * @example
 * ```ts
 * intraListDiversity(Int32Array.of(0, 1, 2), (a, b) => (a + b === 1 ? 1 : 0)) // (0 + 1 + 1) / 3
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when the list has fewer than 2 items.
 */
export function intraListDiversity(ranked: Int32Array, similarity: (a: number, b: number) => number): number {
  const n = ranked.length
  if (n < 2) throw new RecForgeError('INVALID_ARGUMENT', `intraListDiversity: needs a list of at least 2 items; got ${n}`)
  let s = 0
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) s += 1 - similarity(ranked[a]!, ranked[b]!)
  return s / ((n * (n - 1)) / 2)
}

/**
 * Cosine similarity between rows of row-major item vectors (0 when either row is all zeros).
 *
 * @example
 * ```ts
 * const sim = cosineSimilarity(Float32Array.of(1, 0, 0, 1), 2)
 * sim(0, 1) // 0
 * ```
 * @throws RecForgeError DIMENSION_MISMATCH when `vectors.length` is not a multiple of `dimensions`.
 */
export function cosineSimilarity(vectors: Float32Array, dimensions: number): (a: number, b: number) => number {
  if (!Number.isInteger(dimensions) || dimensions < 1 || vectors.length % dimensions !== 0) {
    throw new RecForgeError('DIMENSION_MISMATCH', `item vectors have ${vectors.length} values, not a multiple of ${String(dimensions)} dimensions`)
  }
  const rows = vectors.length / dimensions
  const norms = new Float64Array(rows)
  for (let r = 0; r < rows; r++) {
    let s = 0
    for (let d = 0, o = r * dimensions; d < dimensions; d++) s += vectors[o + d]! * vectors[o + d]!
    norms[r] = Math.sqrt(s)
  }
  return (a, b) => {
    checkItem(a, rows, 'cosineSimilarity')
    checkItem(b, rows, 'cosineSimilarity')
    const na = norms[a]!
    const nb = norms[b]!
    if (na === 0 || nb === 0) return 0
    let dot = 0
    const oa = a * dimensions
    const ob = b * dimensions
    for (let d = 0; d < dimensions; d++) dot += vectors[oa + d]! * vectors[ob + d]!
    return dot / (na * nb)
  }
}

/**
 * Cosine similarity between items' binary training user vectors: |U(a) ∩ U(b)| / sqrt(|U(a)| |U(b)|),
 * from the item-major view of the training data (users ascending per item, as `transpose` gives).
 *
 * @example
 * ```ts
 * const sim = userOverlapSimilarity(transpose(train))
 * sim(3, 7)
 * ```
 * @throws Never (items out of range read as having no users).
 */
export function userOverlapSimilarity(byItem: ItemMajor): (a: number, b: number) => number {
  const { indptr, indices } = byItem
  const rows = indptr.length - 1
  return (a, b) => {
    if (a < 0 || b < 0 || a >= rows || b >= rows) return 0
    let i = indptr[a]!
    const ie = indptr[a + 1]!
    let j = indptr[b]!
    const je = indptr[b + 1]!
    const na = ie - i
    const nb = je - j
    if (na === 0 || nb === 0) return 0
    let common = 0
    while (i < ie && j < je) {
      const x = indices[i]!
      const y = indices[j]!
      if (x === y) {
        common++
        i++
        j++
        // a user may hold the same item twice; skip repeats so overlap stays a set count
        while (i < ie && indices[i] === x) i++
        while (j < je && indices[j] === y) j++
      } else if (x < y) i++
      else j++
    }
    return common / Math.sqrt(na * nb)
  }
}

function checkCatalogue(numItems: number, where: string): void {
  if (!Number.isInteger(numItems) || numItems < 1) throw new RecForgeError('INVALID_ARGUMENT', `${where}: numItems must be a positive integer; got ${String(numItems)}`)
}

function checkItem(i: number, n: number, where: string): number {
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new RecForgeError('INVALID_ARGUMENT', `${where}: item index ${i} is outside 0..${n - 1}`)
  return i
}
