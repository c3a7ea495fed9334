import { RecForgeError, type Encoder, type Interactions, type RunOptions } from '@recforge/core'
import { checkMatrix, normalizeRows } from './vectors'

/** Options of {@link userVectorsFromItems}. */
export interface UserFromItemsOptions {
  /** How each interaction weighs: its value (rating or count), or 1. Defaults to `'value'`. */
  weighting?: 'value' | 'binary'
  /** Subtract this from values before weighting, so low ratings push away (e.g. 3 on a 1–5 scale). Defaults to `0`. */
  center?: number
  /** Scale each user vector to unit length. Defaults to `true`. */
  normalize?: boolean
}

/**
 * User vectors as the weighted mean of the vectors of the items each user interacted with
 * (the item-profile user encoder). Users with no interactions get zero vectors.
 *
 * @example
 * ```ts
 * const users = userVectorsFromItems(train, itemVectors, 512) // train.users.size × 512
 * ```
 * @throws RecForgeError DIMENSION_MISMATCH when the item vectors do not have one row per item.
 */
export function userVectorsFromItems(data: Interactions, itemVectors: Float32Array, dimensions: number, opts: UserFromItemsOptions = {}): Float32Array {
  const rows = checkMatrix(itemVectors, dimensions, 'item vectors')
  if (rows !== data.items.size) throw new RecForgeError('DIMENSION_MISMATCH', `userVectorsFromItems: ${rows} item vectors; the interactions have ${data.items.size} items`)
  const nu = data.users.size
  const d = dimensions
  const out = new Float32Array(nu * d)
  const binary = (opts.weighting ?? 'value') === 'binary'
  const center = opts.center ?? 0
  for (let u = 0; u < nu; u++) {
    const o = u * d
    let total = 0
    for (let k = data.indptr[u]!; k < data.indptr[u + 1]!; k++) {
      const w = (binary ? 1 : data.values[k]!) - center
      if (w === 0) continue
      const io = data.indices[k]! * d
      for (let j = 0; j < d; j++) out[o + j]! += w * itemVectors[io + j]!
      total += Math.abs(w)
    }
    if (total > 0) for (let j = 0; j < d; j++) out[o + j]! /= total
  }
  if (opts.normalize ?? true) normalizeRows(out, d)
  return out
}

/**
 * User vectors from each user's own text with a text encoder (LLM4Rec: `User Embedding = BERT(u_t)`).
 * Users without text (`undefined` or empty) get zero vectors; the rest are encoded in one batch.
 *
 * @example
 * ```ts
 * const users = await userVectorsFromText(encoder, ['loves heist films and jazz', undefined])
 * ```
 * @throws RecForgeError as the encoder throws.
 */
export async function userVectorsFromText(encoder: Encoder<string>, texts: readonly (string | undefined)[], opts: RunOptions & { normalize?: boolean } = {}): Promise<Float32Array> {
  const d = encoder.dimensions
  const present: number[] = []
  texts.forEach((t, u) => {
    if (typeof t === 'string' && t.trim() !== '') present.push(u)
  })
  const out = new Float32Array(texts.length * d)
  if (present.length) {
    const enc = await encoder.encode(
      present.map((u) => texts[u]!),
      opts,
    )
    present.forEach((u, r) => out.set(enc.subarray(r * d, (r + 1) * d), u * d))
  }
  if (opts.normalize ?? true) normalizeRows(out, d)
  return out
}
