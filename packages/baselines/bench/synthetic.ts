import { InteractionsBuilder, Random, rangeVocabulary, type Interactions } from '@recforge/core'

/**
 * A seeded synthetic implicit dataset with skewed popularity and latent taste groups: each user
 * belongs to one of `groups`; half of their interactions come from their group's items, half from
 * the whole catalogue, both drawn with Zipf-like popularity (weight of rank r is 1 / (r + 10)^0.9).
 * Users' lengths are log-normal, scaled so the total is about `target` interactions.
 */
export function syntheticImplicit(opts: { users: number; items: number; target: number; groups?: number; seed?: number }): Interactions {
  const { users, items, target } = opts
  const groups = opts.groups ?? 20
  const rng = new Random(opts.seed ?? 42)
  // popularity order: a random permutation of items, weights by rank
  const order = rng.permutation(items)
  const cdf = new Float64Array(items)
  let acc = 0
  for (let r = 0; r < items; r++) cdf[r] = acc += 1 / (r + 10) ** 0.9
  const groupOf = new Int32Array(items)
  for (let i = 0; i < items; i++) groupOf[i] = rng.int(groups)
  // per-group lists in popularity order, with their own CDFs
  const lists: Int32Array[] = []
  const cdfs: Float64Array[] = []
  for (let g = 0; g < groups; g++) {
    const l: number[] = []
    for (let r = 0; r < items; r++) if (groupOf[order[r]!] === g) l.push(order[r]!)
    lists.push(Int32Array.from(l))
    const c = new Float64Array(l.length)
    let a = 0
    for (let k = 0; k < l.length; k++) c[k] = a += 1 / (k + 10) ** 0.9
    cdfs.push(c)
  }
  const draw = (c: Float64Array): number => {
    const x = rng.float() * c[c.length - 1]!
    let lo = 0
    let hi = c.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (c[mid]! < x) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  const lengths = new Float64Array(users)
  let total = 0
  for (let u = 0; u < users; u++) total += lengths[u] = Math.exp(rng.normal(0, 0.8))
  const b = new InteractionsBuilder({ capacity: target + users, users: rangeVocabulary(users, 'u'), items: rangeVocabulary(items, 'i') })
  const stamp = new Int32Array(items).fill(-1)
  for (let u = 0; u < users; u++) {
    const g = rng.int(groups)
    const want = Math.max(5, Math.min(Math.round((lengths[u]! / total) * target), Math.floor(items * 0.5)))
    let got = 0
    let tries = 0
    while (got < want && tries < want * 20) {
      tries++
      const i = rng.float() < 0.5 && lists[g]!.length > 0 ? lists[g]![draw(cdfs[g]!)]! : order[draw(cdf)]!
      if (stamp[i] === u) continue
      stamp[i] = u
      b.pushIndex(u, i, 1)
      got++
    }
  }
  return b.build()
}
