import { InteractionsBuilder, Random, type Interactions } from '@recforge/core'

/** Ratings from planted biased factors: r = mu + b_u + b_i + p_u·q_i + noise, on a random 30% of pairs. */
export function plantedRatings(opts: { users?: number; items?: number; k?: number; density?: number; noise?: number; seed?: number } = {}) {
  const nu = opts.users ?? 200
  const ni = opts.items ?? 150
  const k = opts.k ?? 4
  const rng = new Random(opts.seed ?? 3)
  const P = rng.fillNormal(new Float64Array(nu * k), 0, 0.5)
  const Q = rng.fillNormal(new Float64Array(ni * k), 0, 0.5)
  const bu = rng.fillNormal(new Float64Array(nu), 0, 0.3)
  const bi = rng.fillNormal(new Float64Array(ni), 0, 0.3)
  const mu = 3
  const truth = (u: number, i: number) => {
    let s = mu + bu[u]! + bi[i]!
    for (let f = 0; f < k; f++) s += P[u * k + f]! * Q[i * k + f]!
    return s
  }
  const train = new InteractionsBuilder()
  const test: Array<[number, number, number]> = []
  for (let u = 0; u < nu; u++) train.users.add(`u${u}`)
  for (let i = 0; i < ni; i++) train.items.add(`i${i}`)
  for (let u = 0; u < nu; u++) {
    for (let i = 0; i < ni; i++) {
      if (rng.float() >= (opts.density ?? 0.3)) continue
      const r = truth(u, i) + rng.normal(0, opts.noise ?? 0.1)
      if (rng.float() < 0.1) test.push([u, i, r])
      else train.pushIndex(u, i, r)
    }
  }
  return { train: train.build(), test, bi, truth }
}

/** Implicit data with planted clusters: in-cluster items with probability `pIn`, others `pOut`; one in-cluster item per user held out. */
export function plantedImplicit(opts: { users?: number; items?: number; clusters?: number; pIn?: number; pOut?: number; seed?: number } = {}) {
  const nu = opts.users ?? 120
  const ni = opts.items ?? 80
  const C = opts.clusters ?? 4
  const rng = new Random(opts.seed ?? 5)
  const b = new InteractionsBuilder()
  for (let u = 0; u < nu; u++) b.users.add(`u${u}`)
  for (let i = 0; i < ni; i++) b.items.add(`i${i}`)
  const heldOut = new Int32Array(nu).fill(-1)
  for (let u = 0; u < nu; u++) {
    const row: number[] = []
    for (let i = 0; i < ni; i++) {
      const same = u % C === i % C
      if (rng.float() < (same ? (opts.pIn ?? 0.5) : (opts.pOut ?? 0.02))) row.push(i)
    }
    const inCluster = row.filter((i) => i % C === u % C)
    if (inCluster.length > 1) heldOut[u] = inCluster[rng.int(inCluster.length)]!
    for (const i of row) if (i !== heldOut[u]) b.pushIndex(u, i, 1)
  }
  return { train: b.build(), heldOut, clusters: C }
}

/** Share of users whose held-out item is in their top `k`. */
export function hitRate(model: { recommend(u: number, o: { k: number }): { items: Int32Array } }, heldOut: Int32Array, k: number): number {
  let hits = 0
  let n = 0
  for (let u = 0; u < heldOut.length; u++) {
    if (heldOut[u]! < 0) continue
    n++
    if (Array.from(model.recommend(u, { k }).items).includes(heldOut[u]!)) hits++
  }
  return hits / n
}

/** Removes one user's row (keeps the vocabularies). */
export function withoutUser(data: Interactions, user: number): Interactions {
  const a = data.indptr[user]!
  const b = data.indptr[user + 1]!
  const indptr = Int32Array.from(data.indptr, (p, u) => (u <= user ? p : p - (b - a)))
  const keep = (arr: Int32Array | Float32Array) => {
    const out = new (arr.constructor as new (n: number) => typeof arr)(arr.length - (b - a))
    out.set(arr.subarray(0, a))
    out.set(arr.subarray(b), a)
    return out
  }
  return { users: data.users, items: data.items, indptr, indices: keep(data.indices) as Int32Array, values: keep(data.values) as Float32Array }
}

export function rmseOf(model: { score(u: number, items: Int32Array): Float32Array }, test: Array<[number, number, number]>): number {
  let se = 0
  for (const [u, i, r] of test) se += (model.score(u, new Int32Array([i]))[0]! - r) ** 2
  return Math.sqrt(se / test.length)
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length
  let ma = 0
  let mb = 0
  for (let j = 0; j < n; j++) {
    ma += a[j]!
    mb += b[j]!
  }
  ma /= n
  mb /= n
  let sab = 0
  let saa = 0
  let sbb = 0
  for (let j = 0; j < n; j++) {
    sab += (a[j]! - ma) * (b[j]! - mb)
    saa += (a[j]! - ma) ** 2
    sbb += (b[j]! - mb) ** 2
  }
  return sab / Math.sqrt(saa * sbb)
}

/** Mean over users of the share of unseen out-of-cluster items that score below the held-out item. */
export function clusterAuc(
  model: { score(u: number, items: Int32Array): Float32Array; seenItems(u: number): Int32Array },
  heldOut: Int32Array,
  clusters: number,
  numItems: number,
): number {
  let total = 0
  let n = 0
  for (let u = 0; u < heldOut.length; u++) {
    const h = heldOut[u]!
    if (h < 0) continue
    const seen = new Set(model.seenItems(u))
    const others = Int32Array.from({ length: numItems }, (_, i) => i).filter((i) => i % clusters !== u % clusters && !seen.has(i))
    const sh = model.score(u, new Int32Array([h]))[0]!
    const so = model.score(u, others)
    let below = 0
    for (const s of so) if (s < sh) below++
    total += below / so.length
    n++
  }
  return total / n
}
