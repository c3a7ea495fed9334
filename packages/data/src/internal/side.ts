import type { ItemSideInfo } from '@recforge/core'
import type { LoadReport } from '../types'

/** Collects item side information by item index, then pads every column to the item count. */
export class SideInfoBuilder {
  readonly titles: (string | undefined)[] = []
  genres: string[][] | undefined
  tags: string[][] | undefined
  images: (string | undefined)[] | undefined
  readonly fields: Record<string, (string | undefined)[]> = {}

  setTitle(i: number, title: string | undefined): void {
    this.titles[i] = title
  }
  setGenres(i: number, g: string[]): void {
    ;(this.genres ??= [])[i] = g
  }
  addTag(i: number, tag: string): void {
    const t = ((this.tags ??= [])[i] ??= [])
    if (!t.includes(tag)) t.push(tag)
  }
  setImage(i: number, url: string | undefined): void {
    ;(this.images ??= [])[i] = url
  }
  setField(name: string, i: number, v: string | undefined): void {
    ;(this.fields[name] ??= [])[i] = v
  }

  /** The side info for `n` items; list columns get empty arrays where nothing was set. */
  build(n: number): ItemSideInfo {
    const pad = <T>(a: T[] | undefined, fill: () => T): T[] | undefined => {
      if (!a) return undefined
      const out = new Array<T>(n)
      for (let i = 0; i < n; i++) out[i] = a[i] ?? fill()
      return out
    }
    const titles = pad(this.titles, () => undefined as string | undefined)!
    const genres = pad(this.genres, () => [] as string[])
    const tags = pad(this.tags, () => [] as string[])
    const images = pad(this.images, () => undefined as string | undefined)
    const names = Object.keys(this.fields)
    const fields: Record<string, (string | undefined)[]> = {}
    for (const k of names) fields[k] = pad(this.fields[k], () => undefined as string | undefined)!
    return { titles, ...(genres ? { genres } : {}), ...(tags ? { tags } : {}), ...(images ? { images } : {}), ...(names.length ? { fields } : {}) }
  }
}

/** The year in a MovieLens-style title, `Toy Story (1995)` -> `1995`. */
export function yearFromTitle(title: string): string | undefined {
  const m = /\((\d{4})(?:[-–]\d{0,4})?\)\s*$/.exec(title)
  return m ? m[1] : undefined
}

/** Warns in a metadata file's report about items that have interactions but no title. */
export function warnMissingSide(report: LoadReport, info: { titles: readonly (string | undefined)[] }, n: number, what: string): void {
  let missing = 0
  for (let i = 0; i < n; i++) if (info.titles[i] === undefined) missing++
  if (missing) report.warnings.push(`${missing} ${what} have interactions but no entry in the metadata file`)
}
