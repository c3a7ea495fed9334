/** Words: lower-cased runs of letters and digits (Unicode aware). */
const WORD = /[\p{L}\p{N}]+/gu

/** A small English stop-word list; classic encoders drop these so titles and tags carry the weight. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  'a an and are as at be but by for from has have in into is it its of on or that the their this to was were will with genres tags'.split(' '),
)

/** Splits text into lower-cased word tokens, dropping stop words and single characters. */
export function tokenize(text: string, stopWords: ReadonlySet<string> = STOP_WORDS): string[] {
  const out: string[] = []
  for (const m of text.toLowerCase().matchAll(WORD)) {
    const w = m[0]
    if (w.length < 2 || stopWords.has(w)) continue
    out.push(w)
  }
  return out
}

/** Word n-grams of `tokens` for n in 1..maxN, joined with a space. */
export function ngrams(tokens: readonly string[], maxN: number): string[] {
  if (maxN <= 1) return [...tokens]
  const out: string[] = [...tokens]
  for (let n = 2; n <= maxN; n++) for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(' '))
  return out
}

/** MurmurHash3 (x86, 32-bit) of a string's UTF-16 code units; stable across platforms. */
export function murmur3(key: string, seed = 0): number {
  let h = seed >>> 0
  const n = key.length
  let i = 0
  const c1 = 0xcc9e2d51
  const c2 = 0x1b873593
  for (; i + 1 < n; i += 2) {
    let k = (key.charCodeAt(i) & 0xffff) | ((key.charCodeAt(i + 1) & 0xffff) << 16)
    k = Math.imul(k, c1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, c2)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  if (i < n) {
    let k = key.charCodeAt(i) & 0xffff
    k = Math.imul(k, c1)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, c2)
    h ^= k
  }
  h ^= n * 2
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
