/** Benchmark datasets: random vectors, ALS-like item factors from MovieLens, TF-IDF book vectors. */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Random } from '@recforge/core'
import type { Metric } from '@recforge/core'

export interface BenchData {
  name: string
  metric: Metric
  d: number
  vectors: Float32Array
  queries: Float32Array
  note: string
}

/** The data folder next to the repository (RECFORGE_DATA overrides it). */
const DATA = process.env['RECFORGE_DATA'] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data')

/** 100,000 standard-normal 64-d vectors and 1,000 queries (the anchor setting). */
export function randomData(n = 100_000, nq = 1000, d = 64): BenchData {
  const rng = new Random(42)
  const vectors = rng.fillNormal(new Float32Array(n * d)) as Float32Array
  const queries = rng.fillNormal(new Float32Array(nq * d)) as Float32Array
  return { name: `random-${n / 1000}k`, metric: 'l2', d, vectors, queries, note: `${n} N(0,1) vectors, ${nq} queries, squared L2` }
}

/**
 * Clustered vectors, closer to real embeddings than uniform noise: `clusters` N(0,1) centres and
 * points at a centre plus N(0, `spread`²) noise; the queries are fresh points from the same mixture.
 */
export function clusteredData(n = 100_000, nq = 1000, d = 64, clusters = 1000, spread = 0.5, metric: Metric = 'cosine'): BenchData {
  const rng = new Random(5)
  const centres = rng.fillNormal(new Float32Array(clusters * d)) as Float32Array
  const draw = (m: number): Float32Array => {
    const out = new Float32Array(m * d)
    for (let i = 0; i < m; i++) {
      const c = rng.int(clusters)
      for (let j = 0; j < d; j++) out[i * d + j] = centres[c * d + j]! + spread * rng.normal()
    }
    return out
  }
  const vectors = draw(n)
  const queries = draw(nq)
  return { name: `clustered-${n / 1000}k`, metric, d, vectors, queries, note: `${n} vectors in ${clusters} Gaussian clusters (spread ${spread}), ${nq} queries from the same mixture, ${metric}` }
}

/** Orthonormalises the k columns of a row-major n × k matrix in place (modified Gram-Schmidt). */
function orthonormalize(a: Float64Array, n: number, k: number): void {
  for (let c = 0; c < k; c++) {
    for (let p = 0; p < c; p++) {
      let s = 0
      for (let i = 0; i < n; i++) s += a[i * k + c]! * a[i * k + p]!
      for (let i = 0; i < n; i++) a[i * k + c]! -= s * a[i * k + p]!
    }
    let s = 0
    for (let i = 0; i < n; i++) s += a[i * k + c]! ** 2
    const inv = 1 / (Math.sqrt(s) || 1)
    for (let i = 0; i < n; i++) a[i * k + c]! *= inv
  }
}

/**
 * ALS-like factors of ml-latest-small: a rank-64 truncated SVD of the user × item rating matrix by
 * randomised subspace (power) iteration. Item vectors are the rows of `Xᵀ Q` (item factors times
 * singular values), queries are the users' rows of `Q`, so `q · v` is the rank-64 reconstruction
 * of the rating — the score an ALS model serves with inner product.
 */
export function movielensFactors(k = 64, iters = 4): BenchData {
  const lines = readFileSync(`${DATA}/ml-latest-small/ratings.csv`, 'utf8').trim().split('\n').slice(1)
  const uMap = new Map<string, number>()
  const iMap = new Map<string, number>()
  const us = new Int32Array(lines.length)
  const is = new Int32Array(lines.length)
  const rs = new Float64Array(lines.length)
  lines.forEach((line, j) => {
    const [u, i, r] = line.split(',')
    if (!uMap.has(u!)) uMap.set(u!, uMap.size)
    if (!iMap.has(i!)) iMap.set(i!, iMap.size)
    us[j] = uMap.get(u!)!
    is[j] = iMap.get(i!)!
    rs[j] = Number(r)
  })
  const nu = uMap.size
  const ni = iMap.size
  const rng = new Random(7)
  const omega = rng.fillNormal(new Float64Array(ni * k)) as Float64Array
  const Y = new Float64Array(nu * k)
  const Z = omega
  const xTimes = (src: Float64Array, dst: Float64Array) => {
    dst.fill(0)
    for (let j = 0; j < us.length; j++) for (let c = 0; c < k; c++) dst[us[j]! * k + c]! += rs[j]! * src[is[j]! * k + c]!
  }
  const xtTimes = (src: Float64Array, dst: Float64Array) => {
    dst.fill(0)
    for (let j = 0; j < us.length; j++) for (let c = 0; c < k; c++) dst[is[j]! * k + c]! += rs[j]! * src[us[j]! * k + c]!
  }
  xTimes(Z, Y)
  orthonormalize(Y, nu, k)
  for (let it = 0; it < iters; it++) {
    xtTimes(Y, Z)
    orthonormalize(Z, ni, k)
    xTimes(Z, Y)
    orthonormalize(Y, nu, k)
  }
  const items = new Float64Array(ni * k)
  xtTimes(Y, items)
  return { name: 'ml-latest-small ALS-like', metric: 'ip', d: k, vectors: Float32Array.from(items), queries: Float32Array.from(Y), note: `${ni} item factors (rank-${k} truncated SVD of ${lines.length} ratings, ${iters} power iterations), ${nu} user queries, inner product` }
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else if (c !== '\r') field += c
  }
  if (field || row.length) {
    row.push(field)
    rows.push(row)
  }
  return rows
}

/**
 * goodbooks-10k titles and authors as TF-IDF vectors, reduced to `d` dimensions by a seeded
 * Gaussian random projection. Books 1–9,000 are indexed; the last 1,000 are the queries.
 */
export function goodbooksTfidf(d = 64): BenchData {
  const rows = parseCsv(readFileSync(`${DATA}/goodbooks-10k/books.csv`, 'utf8'))
  const head = rows[0]!
  const ti = head.indexOf('title')
  const ai = head.indexOf('authors')
  const docs = rows.slice(1).filter((r) => r.length === head.length).map((r) => `${r[ti]} ${r[ai]}`.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
  const vocab = new Map<string, number>()
  const df: number[] = []
  for (const doc of docs) {
    for (const t of new Set(doc)) {
      let id = vocab.get(t)
      if (id === undefined) {
        id = vocab.size
        vocab.set(t, id)
        df.push(0)
      }
      df[id]!++
    }
  }
  const rng = new Random(11)
  const proj = rng.fillNormal(new Float32Array(vocab.size * d)) as Float32Array
  const out = new Float32Array(docs.length * d)
  docs.forEach((doc, i) => {
    const tf = new Map<number, number>()
    for (const t of doc) tf.set(vocab.get(t)!, (tf.get(vocab.get(t)!) ?? 0) + 1)
    for (const [id, c] of tf) {
      const w = c * Math.log(docs.length / df[id]!)
      for (let j = 0; j < d; j++) out[i * d + j]! += w * proj[id * d + j]!
    }
  })
  const nIndex = docs.length - 1000
  return {
    name: 'goodbooks-10k TF-IDF',
    metric: 'cosine',
    d,
    vectors: out.slice(0, nIndex * d),
    queries: out.slice(nIndex * d),
    note: `${nIndex} books (title + authors TF-IDF over ${vocab.size} terms, random projection to ${d}-d), 1000 held-out books as queries, cosine`,
  }
}
