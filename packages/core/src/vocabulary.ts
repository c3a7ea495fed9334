import { RecForgeError } from './errors'

/**
 * Throws INVALID_ARGUMENT unless `id` is a string. Ids are strings so that `1` and `'1'` can never
 * name two different users (in JavaScript a number id would be stored and then not be found).
 */
export function checkId(id: unknown, kind = 'id'): asserts id is string {
  if (typeof id !== 'string') {
    const shown = typeof id === 'number' || typeof id === 'bigint' ? `${typeof id} ${String(id)}` : id === null ? 'null' : typeof id
    throw new RecForgeError('INVALID_ARGUMENT', `${kind} must be a string; got ${shown} (convert it with String(${kind}))`)
  }
}

/** Maps external ids (strings) to dense indices 0..size-1 and back. */
export interface Vocabulary {
  readonly size: number
  /** The dense index of `id`, or `undefined` when the id is unknown. */
  index(id: string): number | undefined
  /** The external id at dense index `i`; throws UNKNOWN_ID when out of range. */
  id(i: number): string
  /** All ids in index order. */
  ids(): readonly string[]
}

/**
 * A growable {@link Vocabulary}.
 *
 * @example
 * ```ts
 * const v = new IdVocabulary(['u1', 'u2'])
 * v.add('u3') // 2
 * v.index('u2') // 1
 * ```
 */
export class IdVocabulary implements Vocabulary {
  private readonly map = new Map<string, number>()
  private readonly list: string[] = []

  constructor(ids: Iterable<string> = []) {
    for (const id of ids) this.add(id)
  }

  get size(): number {
    return this.list.length
  }

  /**
   * Adds `id` if new; returns its index either way.
   *
   * @throws RecForgeError INVALID_ARGUMENT when `id` is not a string.
   */
  add(id: string): number {
    checkId(id)
    let i = this.map.get(id)
    if (i === undefined) {
      i = this.list.length
      this.map.set(id, i)
      this.list.push(id)
    }
    return i
  }

  /** @throws RecForgeError INVALID_ARGUMENT when `id` is not a string. */
  index(id: string): number | undefined {
    checkId(id)
    return this.map.get(id)
  }

  /** The index of `id`, or an UNKNOWN_ID error naming what kind of id it was. */
  require(id: string, kind = 'id'): number {
    checkId(id, kind)
    const i = this.map.get(id)
    if (i === undefined) throw new RecForgeError('UNKNOWN_ID', `unknown ${kind} ${JSON.stringify(id)}; the vocabulary has ${this.size} ${kind}s`)
    return i
  }

  id(i: number): string {
    const s = this.list[i]
    if (s === undefined) throw new RecForgeError('UNKNOWN_ID', `index ${i} is outside the vocabulary (size ${this.size})`)
    return s
  }

  ids(): readonly string[] {
    return this.list
  }

  toJSON(): string[] {
    return [...this.list]
  }

  static fromJSON(ids: readonly string[]): IdVocabulary {
    const v = new IdVocabulary(ids)
    if (v.size !== ids.length) throw new RecForgeError('INVALID_ARGUMENT', `vocabulary has duplicate ids (${ids.length} given, ${v.size} distinct)`)
    return v
  }
}

/** A vocabulary of the integers "0".."n-1", for synthetic data and tests. */
export function rangeVocabulary(n: number, prefix = ''): IdVocabulary {
  const v = new IdVocabulary()
  for (let i = 0; i < n; i++) v.add(prefix + i)
  return v
}
