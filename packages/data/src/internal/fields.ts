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
  const len = s.length
  if (len === 0) return Number.NaN
  // fast path for plain decimals such as "4", "3.5", "-12", "964982703" (the common case in rating files)
  if (len < 16) {
    let p = 0
    let neg = false
    if (s.charCodeAt(0) === 45) {
      neg = true
      p = 1
    }
    let int = 0
    let digits = 0
    let ch = 0
    for (; p < len; p++) {
      ch = s.charCodeAt(p) - 48
      if (ch < 0 || ch > 9) break
      int = int * 10 + ch
      digits++
    }
    if (p === len && digits > 0) return neg ? -int : int
    if (ch === 46 - 48 && digits > 0) {
      let frac = 0
      let scale = 1
      p++
      for (; p < len; p++) {
        const d = s.charCodeAt(p) - 48
        if (d < 0 || d > 9) break
        frac = frac * 10 + d
        scale *= 10
      }
      if (p === len) {
        // both operands are exact integers below 2^53, and IEEE division rounds correctly, so this equals parsing
        const v = (int * scale + frac) / scale
        return neg ? -v : v
      }
    }
  }
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
