import { RecForgeError, Random, checkNumber, nnz, requireTensor, transpose, type Interactions, type ModelArtifacts } from '@recforge/core'
import { dot } from '@recforge/compute'
import { checkMatrix, normalizeRows } from './vectors'

/** One block of row-aligned vectors (e.g. the text vectors of all items) for fusion. */
export interface VectorBlock {
  /** Row-major `rows × dimensions`. */
  readonly vectors: Float32Array
  readonly dimensions: number
  /** Relative importance of this block. Defaults to `1`. */
  readonly weight?: number
}

function blockRows(blocks: readonly VectorBlock[], what: string): number {
  if (blocks.length === 0) throw new RecForgeError('INVALID_ARGUMENT', `${what}: expected at least one block of vectors; got none`)
  const rows = checkMatrix(blocks[0]!.vectors, blocks[0]!.dimensions, `${what} block 0`)
  blocks.forEach((b, i) => {
    const r = checkMatrix(b.vectors, b.dimensions, `${what} block ${i}`)
    if (r !== rows) throw new RecForgeError('DIMENSION_MISMATCH', `${what}: block ${i} has ${r} rows; block 0 has ${rows}`)
    if (b.weight !== undefined) checkNumber(`weight of block ${i}`, b.weight, { min: 0 })
  })
  return rows
}

/**
 * Early fusion by concatenation: each block is scaled to unit length and by √weight, so the dot
 * product of two fused rows is the weighted sum of the blocks' cosine similarities.
 *
 * @example
 * ```ts
 * const { vectors, dimensions } = concatFusion([{ vectors: text, dimensions: 512 }, { vectors: image, dimensions: 64, weight: 0.5 }])
 * ```
 * @throws RecForgeError DIMENSION_MISMATCH when the blocks have different row counts.
 */
export function concatFusion(blocks: readonly VectorBlock[]): { vectors: Float32Array; dimensions: number } {
  const rows = blockRows(blocks, 'concatFusion')
  const dimensions = blocks.reduce((s, b) => s + b.dimensions, 0)
  const out = new Float32Array(rows * dimensions)
  let off = 0
  for (const b of blocks) {
    const unit = normalizeRows(b.vectors.slice(), b.dimensions)
    const s = Math.sqrt(b.weight ?? 1)
    for (let r = 0; r < rows; r++) for (let j = 0; j < b.dimensions; j++) out[r * dimensions + off + j] = s * unit[r * b.dimensions + j]!
    off += b.dimensions
  }
  return { vectors: out, dimensions }
}

/**
 * Late fusion by weighted sum of unit-length blocks of the same size (e.g. text and image vectors
 * already aligned in one space), then scaled to unit length.
 *
 * @example
 * ```ts
 * const fused = weightedSumFusion([{ vectors: text, dimensions: 64, weight: 0.7 }, { vectors: alignedImage, dimensions: 64, weight: 0.3 }])
 * ```
 * @throws RecForgeError DIMENSION_MISMATCH when blocks differ in size or rows.
 */
export function weightedSumFusion(blocks: readonly VectorBlock[]): { vectors: Float32Array; dimensions: number } {
  const rows = blockRows(blocks, 'weightedSumFusion')
  const d = blocks[0]!.dimensions
  for (const [i, b] of blocks.entries()) {
    if (b.dimensions !== d) throw new RecForgeError('DIMENSION_MISMATCH', `weightedSumFusion: block ${i} has ${b.dimensions} dimensions; block 0 has ${d}. Align them first (LinearProjection)`)
  }
  const out = new Float32Array(rows * d)
  for (const b of blocks) {
    const unit = normalizeRows(b.vectors.slice(), d)
    const w = b.weight ?? 1
    for (let k = 0; k < out.length; k++) out[k]! += w * unit[k]!
  }
  return { vectors: normalizeRows(out, d), dimensions: d }
}

/** Options of {@link LinearProjection.fit}. */
export interface ProjectionOptions {
  /** L2 penalty of the ridge regression. Defaults to `1`. */
  l2?: number
  /** Learn an intercept. Defaults to `true`. */
  bias?: boolean
  /** Use only these rows (e.g. items that have both views, or warm items). Defaults to all rows. */
  rows?: Int32Array
}

/** Solves `A x = B` in place for SPD `A` (p×p) and `B` (p×m), both row-major Float64; B becomes x. */
function choleskySolve(A: Float64Array, B: Float64Array, p: number, m: number): void {
  for (let j = 0; j < p; j++) {
    let s = A[j * p + j]!
    for (let k = 0; k < j; k++) s -= A[j * p + k]! * A[j * p + k]!
    if (!(s > 0)) throw new RecForgeError('INVALID_ARGUMENT', `LinearProjection: the normal equations are not positive definite (pivot ${j} = ${s}); raise "l2"`)
    const l = Math.sqrt(s)
    A[j * p + j] = l
    for (let i = j + 1; i < p; i++) {
      let t = A[i * p + j]!
      for (let k = 0; k < j; k++) t -= A[i * p + k]! * A[j * p + k]!
      A[i * p + j] = t / l
    }
  }
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < p; i++) {
      let t = B[i * m + c]!
      for (let k = 0; k < i; k++) t -= A[i * p + k]! * B[k * m + c]!
      B[i * m + c] = t / A[i * p + i]!
    }
    for (let i = p - 1; i >= 0; i--) {
      let t = B[i * m + c]!
      for (let k = i + 1; k < p; k++) t -= A[k * p + i]! * B[k * m + c]!
      B[i * m + c] = t / A[i * p + i]!
    }
  }
}

/** Rows per block of {@link accumulateDense}. */
const BLOCK = 64

/**
 * Adds the lower triangle of XᵀX to `A` and XᵀY to `B` (X: the chosen source rows, with a column
 * of ones for the bias; p = columns of X), a block of rows at a time, transposed so that every
 * entry is one dot product over contiguous memory.
 */
function accumulateDense(source: VectorBlock, target: VectorBlock, rows: Int32Array, bias: boolean, A: Float64Array, B: Float64Array): void {
  const dx = source.dimensions
  const dy = target.dimensions
  const p = dx + (bias ? 1 : 0)
  const xt = new Float64Array(p * BLOCK)
  const yt = new Float64Array(dy * BLOCK)
  for (let r0 = 0; r0 < rows.length; r0 += BLOCK) {
    const nb = Math.min(BLOCK, rows.length - r0)
    for (let t = 0; t < nb; t++) {
      const r = rows[r0 + t]!
      for (let j = 0; j < dx; j++) xt[j * BLOCK + t] = source.vectors[r * dx + j]!
      if (bias) xt[dx * BLOCK + t] = 1
      for (let c = 0; c < dy; c++) yt[c * BLOCK + t] = target.vectors[r * dy + c]!
    }
    for (let i = 0; i < p; i++) {
      const oi = i * BLOCK
      for (let j = 0; j <= i; j++) A[i * p + j]! += dot(xt, oi, xt, j * BLOCK, nb)
      for (let c = 0; c < dy; c++) B[i * dy + c]! += dot(xt, oi, yt, c * BLOCK, nb)
    }
  }
}

/** {@link accumulateDense} for sparse rows (TF-IDF, hashing): a row at a time, skipping zeros. */
function accumulateSparse(source: VectorBlock, target: VectorBlock, rows: Int32Array, bias: boolean, A: Float64Array, B: Float64Array): void {
  const dx = source.dimensions
  const dy = target.dimensions
  const p = dx + (bias ? 1 : 0)
  const x = new Float64Array(p)
  for (const r of rows) {
    for (let j = 0; j < dx; j++) x[j] = source.vectors[r * dx + j]!
    if (bias) x[dx] = 1
    for (let i = 0; i < p; i++) {
      const xi = x[i]!
      if (xi === 0) continue
      for (let j = 0; j <= i; j++) A[i * p + j]! += xi * x[j]!
      for (let c = 0; c < dy; c++) B[i * dy + c]! += xi * target.vectors[r * dy + c]!
    }
  }
}

function transposeMatrix(w: Float32Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(w.length)
  for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) t[c * rows + i] = w[i * cols + c]!
  return t
}

/**
 * A learned linear map between two vector spaces (ridge regression, closed form): aligns image
 * vectors with text vectors, or content vectors with collaborative-filtering vectors, so they can
 * be compared, summed, or used in place of each other (a new item's content vector projected into
 * the CF space stands in for the CF vector it does not have yet).
 *
 * @example
 * ```ts
 * const p = LinearProjection.fit({ vectors: content, dimensions: 512 }, { vectors: cfItems, dimensions: 64 }, { rows: warmItems })
 * const cfLike = p.project(newItemContent) // n × 64
 * ```
 * @throws RecForgeError DIMENSION_MISMATCH when source and target rows differ; INVALID_ARGUMENT for bad options.
 */
export class LinearProjection {
  readonly inputDimensions: number
  readonly outputDimensions: number
  /** `inputDimensions × outputDimensions`, row-major. */
  readonly weights: Float32Array
  /** `outputDimensions` intercepts (zeros without bias). */
  readonly bias: Float32Array
  private transposed: Float64Array | undefined

  constructor(inputDimensions: number, outputDimensions: number, weights: Float32Array, bias: Float32Array) {
    if (weights.length !== inputDimensions * outputDimensions || bias.length !== outputDimensions) {
      throw new RecForgeError('DIMENSION_MISMATCH', `LinearProjection: weights must be ${inputDimensions}×${outputDimensions} and bias ${outputDimensions}; got ${weights.length} and ${bias.length} values`)
    }
    this.inputDimensions = inputDimensions
    this.outputDimensions = outputDimensions
    this.weights = weights
    this.bias = bias
  }

  /** Fits `target ≈ source · W + b` by ridge regression over the chosen rows. */
  static fit(source: VectorBlock, target: VectorBlock, opts: ProjectionOptions = {}): LinearProjection {
    const n = checkMatrix(source.vectors, source.dimensions, 'projection source')
    const nt = checkMatrix(target.vectors, target.dimensions, 'projection target')
    if (n !== nt) throw new RecForgeError('DIMENSION_MISMATCH', `LinearProjection.fit: source has ${n} rows; target has ${nt}`)
    const l2 = checkNumber('l2', opts.l2 ?? 1, { min: 0 })
    const useBias = opts.bias ?? true
    const rows = opts.rows ?? Int32Array.from({ length: n }, (_, i) => i)
    for (const r of rows) if (r < 0 || r >= n) throw new RecForgeError('UNKNOWN_ID', `LinearProjection.fit: row ${r} is outside 0..${n - 1}`)
    if (rows.length === 0) throw new RecForgeError('EMPTY_INPUT', 'LinearProjection.fit: no rows to fit on')
    const dx = source.dimensions
    const dy = target.dimensions
    const p = dx + (useBias ? 1 : 0)
    const A = new Float64Array(p * p)
    const B = new Float64Array(p * dy)
    let nonzero = 0
    for (const r of rows) for (let j = 0; j < dx; j++) if (source.vectors[r * dx + j] !== 0) nonzero++
    if (nonzero < 0.25 * rows.length * dx) accumulateSparse(source, target, rows, useBias, A, B)
    else accumulateDense(source, target, rows, useBias, A, B)
    for (let i = 0; i < p; i++) {
      for (let j = 0; j < i; j++) A[j * p + i] = A[i * p + j]!
      // The intercept is not penalised; a tiny jitter keeps it solvable.
      A[i * p + i]! += useBias && i === dx ? 1e-9 : l2
    }
    choleskySolve(A, B, p, dy)
    const weights = Float32Array.from(B.subarray(0, dx * dy))
    const bias = useBias ? Float32Array.from(B.subarray(dx * dy, (dx + 1) * dy)) : new Float32Array(dy)
    return new LinearProjection(dx, dy, weights, bias)
  }

  /** Maps row-major `n × inputDimensions` vectors to `n × outputDimensions`. */
  project(vectors: Float32Array): Float32Array {
    const n = checkMatrix(vectors, this.inputDimensions, 'projection input')
    const dx = this.inputDimensions
    const dy = this.outputDimensions
    const out = new Float32Array(n * dy)
    const wt = (this.transposed ??= transposeMatrix(this.weights, dx, dy))
    const row = new Float64Array(dx)
    for (let r = 0; r < n; r++) {
      const x = r * dx
      let nonzero = 0
      for (let j = 0; j < dx; j++) if (vectors[x + j] !== 0) nonzero++
      if (nonzero < dx / 4) {
        // sparse row (TF-IDF, hashing): only its non-zero inputs
        out.set(this.bias, r * dy)
        for (let j = 0; j < dx; j++) {
          const v = vectors[x + j]!
          if (v === 0) continue
          for (let c = 0; c < dy; c++) out[r * dy + c]! += v * this.weights[j * dy + c]!
        }
        continue
      }
      // dense row: one dot product per output, over contiguous rows of the transposed weights
      for (let j = 0; j < dx; j++) row[j] = vectors[x + j]!
      for (let c = 0; c < dy; c++) out[r * dy + c] = this.bias[c]! + dot(row, 0, wt, c * dx, dx)
    }
    return out
  }

  /** Tensors to store inside a model's artifacts (prefix them to avoid clashes). */
  toTensors(prefix = 'projection'): Record<string, Float32Array> {
    return { [`${prefix}Weights`]: this.weights, [`${prefix}Bias`]: this.bias }
  }

  /**
   * Restores a projection stored with {@link toTensors}.
   *
   * @throws RecForgeError PARSE_ERROR when the tensors are missing.
   */
  static fromTensors(a: ModelArtifacts, inputDimensions: number, outputDimensions: number, prefix = 'projection'): LinearProjection {
    return new LinearProjection(inputDimensions, outputDimensions, requireTensor(a, `${prefix}Weights`, Float32Array), requireTensor(a, `${prefix}Bias`, Float32Array))
  }
}

/** Options of {@link interactionSketch}. */
export interface SketchOptions {
  /** Size of the sketch vectors. Defaults to `64`. */
  dimensions?: number
  /** Seed of the random projection. Defaults to `42`. */
  seed?: number
}

/**
 * Item vectors learned from interactions alone: each item's (binary, IDF-weighted) column of the
 * user-item matrix, randomly projected to a few dimensions and scaled to unit length. Items bought by
 * the same users land close together. A target space for {@link alignToInteractions} when no CF
 * model is at hand.
 *
 * @example
 * ```ts
 * const { vectors, dimensions } = interactionSketch(train, { dimensions: 64 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for bad options.
 */
export function interactionSketch(data: Interactions, opts: SketchOptions = {}): { vectors: Float32Array; dimensions: number } {
  const d = checkNumber('dimensions', opts.dimensions ?? 64, { min: 1, integer: true })
  const rng = new Random(opts.seed ?? 42)
  const nu = data.users.size
  const R = rng.fillNormal(new Float32Array(nu * d), 0, 1 / Math.sqrt(d)) as Float32Array
  const byItem = transpose(data)
  const ni = data.items.size
  const out = new Float32Array(ni * d)
  const userLen = new Float32Array(nu)
  for (let u = 0; u < nu; u++) userLen[u] = data.indptr[u + 1]! - data.indptr[u]!
  for (let i = 0; i < ni; i++) {
    for (let k = byItem.indptr[i]!; k < byItem.indptr[i + 1]!; k++) {
      const u = byItem.indices[k]!
      // Heavy users say less about each item they touch.
      const w = 1 / Math.sqrt(userLen[u]!)
      for (let j = 0; j < d; j++) out[i * d + j]! += w * R[u * d + j]!
    }
  }
  return { vectors: normalizeRows(out, d), dimensions: d }
}

/**
 * Learns a projection of content vectors into an interaction-derived space, trained on the items
 * that have interactions; new items (no interactions) get a vector there from their content alone.
 * Project text and image vectors with their own projections and both land in the same space.
 *
 * @example
 * ```ts
 * const proj = alignToInteractions({ vectors: text, dimensions: 512 }, train, { dimensions: 64 })
 * const aligned = normalizeRows(proj.project(text), 64)
 * ```
 * @throws RecForgeError DIMENSION_MISMATCH when the content rows differ from the item count; EMPTY_INPUT with no interactions.
 */
export function alignToInteractions(content: VectorBlock, data: Interactions, opts: SketchOptions & { l2?: number; target?: VectorBlock } = {}): LinearProjection {
  const rows = checkMatrix(content.vectors, content.dimensions, 'content vectors')
  if (rows !== data.items.size) throw new RecForgeError('DIMENSION_MISMATCH', `alignToInteractions: ${rows} content rows; the interactions have ${data.items.size} items`)
  const target = opts.target ?? interactionSketch(data, opts)
  const counts = new Int32Array(data.items.size)
  for (let k = 0; k < nnz(data); k++) counts[data.indices[k]!]!++
  const warm: number[] = []
  counts.forEach((c, i) => c > 0 && warm.push(i))
  if (warm.length === 0) throw new RecForgeError('EMPTY_INPUT', 'alignToInteractions: no item has interactions to learn from')
  return LinearProjection.fit(content, target, { rows: Int32Array.from(warm), ...(opts.l2 !== undefined ? { l2: opts.l2 } : {}) })
}
