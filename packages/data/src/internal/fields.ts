/**
 * Splits one record into fields, reusing `out` (no per-row array). Honours RFC-4180 quoting when
 * `quoted` is set: a field wrapped in `"` may hold the separator and newlines, `""` is a literal quote.
 * Returns the number of fields, or -1 when a quoted field is not closed.
 */
export function splitFields(line: string, sep: string, quoted: boolean, out: string[]): number {
  let n = 0
  if (!quoted || line.indexOf('"') < 0) {
    let p = 0
    const sl = sep.length
    for (;;) {
      const e = line.indexOf(sep, p)
      if (e < 0) {
        out[n++] = line.slice(p)
        return n
      }
      out[n++] = line.slice(p, e)
      p = e + sl
    }
  }
  let p = 0
  const len = line.length
  for (;;) {
    if (line.charCodeAt(p) === 34) {
      // quoted field
      let s = ''
      let q = p + 1
      for (;;) {
        const e = line.indexOf('"', q)
        if (e < 0) return -1
        s += line.slice(q, e)
        if (line.charCodeAt(e + 1) === 34) {
          s += '"'
          q = e + 2
          continue
        }
        p = e + 1
        break
      }
      // text after the closing quote up to the separator is kept (lenient)
      const e = line.indexOf(sep, p)
      if (e < 0) {
        out[n++] = s + line.slice(p)
        return n
      }
      out[n++] = s + line.slice(p, e)
      p = e + sep.length
      if (p > len) return n
      if (p === len) {
        out[n++] = ''
        return n
      }
    } else {
      const e = line.indexOf(sep, p)
      if (e < 0) {
        out[n++] = line.slice(p)
        return n
      }
      out[n++] = line.slice(p, e)
      p = e + sep.length
      if (p === len) {
        out[n++] = ''
        return n
      }
    }
  }
}

/** Parses a number; `NaN` for empty or non-numeric text (unlike `Number('')`, which is 0). */
export function toNumber(s: string): number {
  if (s.length === 0) return Number.NaN
  const c = s.charCodeAt(0)
  // fast reject of text that Number() would accept oddly (hex, Infinity) is not needed: callers check isFinite
  if (c !== 45 && c !== 43 && c !== 46 && (c < 48 || c > 57) && c !== 32) return Number.NaN
  return +s
}

/** Parses a timestamp: seconds since the epoch, or an ISO-8601 date converted to seconds. `NaN` when neither. */
export function toTimestamp(s: string): number {
  const x = toNumber(s)
  if (Number.isFinite(x)) return x
  if (s.length < 4) return Number.NaN
  const ms = Date.parse(s)
  return Number.isFinite(ms) ? ms / 1000 : Number.NaN
}

/** Sniffs a separator from a header or first line: the most frequent of `\t`, `::`, `,`, `;`, `|`. */
export function sniffSeparator(line: string): string {
  const cands = ['\t', '::', ',', ';', '|']
  let best = ','
  let bestN = 0
  for (const c of cands) {
    const n = line.split(c).length - 1
    if (n > bestN) {
      best = c
      bestN = n
    }
  }
  return best
}
