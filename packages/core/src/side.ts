/**
 * Side information about items, indexed by dense item index, kept next to the interactions so
 * encoders and content models can read it. Loaders fill what their dataset has.
 */
export interface ItemSideInfo {
  /** Titles (movie titles, book titles), `undefined` where unknown. */
  readonly titles: readonly (string | undefined)[]
  /** Genres or categories per item (may be empty arrays). */
  readonly genres?: readonly (readonly string[])[]
  /** Free-form tags per item (may be empty arrays). */
  readonly tags?: readonly (readonly string[])[]
  /** Further named text columns (e.g. `authors`, `year`, `description`). */
  readonly fields?: Readonly<Record<string, readonly (string | undefined)[]>>
  /** Image locations (URLs or paths) per item, when the dataset has them. */
  readonly images?: readonly (string | undefined)[]
}

/**
 * One line of text describing an item, for text encoders:
 * `Title. Genres: a, b. Tags: x, y. authors: ...`. Empty parts are left out.
 *
 * @example
 * ```ts
 * itemText(info, 0) // "Toy Story (1995). Genres: Adventure, Animation. Tags: pixar, fun."
 * ```
 */
export function itemText(info: ItemSideInfo, item: number, opts: { maxTags?: number } = {}): string {
  const parts: string[] = []
  const title = info.titles[item]
  if (title) parts.push(title.endsWith('.') ? title.slice(0, -1) : title)
  const g = info.genres?.[item]
  if (g && g.length) parts.push(`Genres: ${g.join(', ')}`)
  const t = info.tags?.[item]
  if (t && t.length) parts.push(`Tags: ${t.slice(0, opts.maxTags ?? 20).join(', ')}`)
  if (info.fields) {
    for (const [name, col] of Object.entries(info.fields)) {
      const v = col[item]
      if (v) parts.push(`${name}: ${v}`)
    }
  }
  return parts.length ? parts.join('. ') + '.' : ''
}
