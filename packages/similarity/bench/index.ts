/**
 * Nearest-neighbour search: build time, queries per second (one query at a time) and recall@10
 * against ExactIndex, for ExactIndex, HnswIndex, hnswlib-node and usearch side by side in one run.
 * Run from the repository root:
 *   flock /tmp/recforge-bench.lock pnpm --filter @recforge/similarity bench
 * SIMILARITY_BENCH_SETS picks datasets (comma-separated: clustered, random, movielens, goodbooks;
 * default all four); SIMILARITY_BENCH_N sets the size of the two synthetic sets (default 100000);
 * SIMILARITY_BENCH_SUITE names the results (default `similarity`). Writes bench/results/<suite>.{json,md}
 * and the recall-vs-QPS plot bench/results/<suite>-recall-qps.svg.
 */
import { writeFileSync, renameSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runSuite, type BenchCase, type BenchReport } from '@recforge/bench'
import type { Metric, VectorIndex } from '@recforge/core'
import { ExactIndex } from '../src/exact'
import { HnswIndex } from '../src/hnsw'
import { HnswlibIndex, loadHnswlib } from '../src/adapters/hnswlib'
import { UsearchIndex, loadUsearch } from '../src/adapters/usearch'
import { clusteredData, goodbooksTfidf, movielensFactors, randomData, type BenchData } from './data'
import { renderRecallQps } from './plot'

const K = 10
const M = 16
const EF_CONSTRUCTION = 200
const EF_SEARCH = [16, 32, 64, 128, 256]
const sets = (process.env['SIMILARITY_BENCH_SETS'] ?? 'clustered,random,movielens,goodbooks').split(',')

const N = Number(process.env['SIMILARITY_BENCH_N'] ?? 100_000)
const SUITE = process.env['SIMILARITY_BENCH_SUITE'] ?? 'similarity'
const loaders: Record<string, () => BenchData> = {
  clustered: () => clusteredData(N),
  random: () => randomData(N),
  movielens: () => movielensFactors(),
  goodbooks: () => goodbooksTfidf(),
}

/** Plain TypeScript brute force: one scalar loop per stored vector, a sorted top-k array. */
function naiveSearch(data: Float32Array, n: number, d: number, metric: Metric, q: Float32Array, k: number): Int32Array {
  const bestD = new Float64Array(k).fill(Infinity)
  const bestI = new Int32Array(k).fill(-1)
  let qn = 0
  for (let j = 0; j < d; j++) qn += q[j]! * q[j]!
  for (let i = 0; i < n; i++) {
    let dist: number
    if (metric === 'l2') {
      let s = 0
      for (let j = 0; j < d; j++) {
        const t = data[i * d + j]! - q[j]!
        s += t * t
      }
      dist = s
    } else {
      let s = 0
      let xn = 0
      for (let j = 0; j < d; j++) {
        const x = data[i * d + j]!
        s += x * q[j]!
        xn += x * x
      }
      dist = metric === 'ip' ? -s : 1 - s / Math.sqrt(xn * qn)
    }
    if (dist < bestD[k - 1]!) {
      let p = k - 1
      while (p > 0 && bestD[p - 1]! > dist) {
        bestD[p] = bestD[p - 1]!
        bestI[p] = bestI[p - 1]!
        p--
      }
      bestD[p] = dist
      bestI[p] = i
    }
  }
  return bestI
}

function recall(truth: Int32Array[], got: Int32Array[]): number {
  let hit = 0
  let total = 0
  for (let i = 0; i < truth.length; i++) {
    const t = new Set(truth[i])
    total += t.size
    for (const key of got[i]!) if (t.has(key)) hit++
  }
  return hit / total
}

/** Runs `search` for each query, timing only the searches; returns recall@10 and queries per second. */
function measure(truth: Int32Array[], nq: number, search: (i: number) => Int32Array): Record<string, number> {
  const got: Int32Array[] = []
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < nq; i++) got.push(search(i))
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  return { recall10: recall(truth.slice(0, nq), got), qps: nq / s, msPerQuery: (s / nq) * 1000 }
}

function single(index: Pick<VectorIndex, 'search'>, ds: BenchData): (i: number) => Int32Array {
  const d = ds.d
  return (i) => index.search(ds.queries.subarray(i * d, i * d + d), K).keys
}

const hnswlib = await loadHnswlib().catch(() => undefined)
const usearch = await loadUsearch().catch(() => undefined)
const notes: string[] = []
const cases: BenchCase[] = []

for (const set of sets) {
  const make = loaders[set]
  if (!make) throw new Error(`unknown dataset "${set}"; choose from ${Object.keys(loaders).join(', ')}`)
  const ds = make()
  const { d, metric } = ds
  const n = ds.vectors.length / d
  const nq = ds.queries.length / d
  const keys = Int32Array.from({ length: n }, (_, i) => i)
  const big = n >= 50_000
  notes.push(`${ds.name}: ${ds.note}.`)

  const exact = new ExactIndex({ dimensions: d, metric, capacity: n })
  exact.add(keys, ds.vectors)
  const truth = exact.searchBatch(ds.queries, K).map((r) => r.keys)
  const tag = `${ds.name} (${n.toLocaleString('en-US')} × ${d}, ${metric})`

  if (big) {
    const nNaive = 200
    cases.push({
      name: `naive brute force, ${tag}`,
      repeat: 3,
      run: () => measure(truth, nNaive, (i) => naiveSearch(ds.vectors, n, d, metric, ds.queries.subarray(i * d, i * d + d), K)),
    })
  }
  cases.push({
    name: `ExactIndex build, ${tag}`,
    repeat: 3,
    run: () => {
      const e = new ExactIndex({ dimensions: d, metric })
      e.add(keys, ds.vectors)
    },
  })
  cases.push({
    name: `ExactIndex search, ${tag}`,
    repeat: 3,
    run: () => measure(truth, nq, single(exact, ds)),
  })
  cases.push({
    name: `ExactIndex searchBatch, ${tag}`,
    repeat: 3,
    run: () => {
      const t0 = process.hrtime.bigint()
      const got = exact.searchBatch(ds.queries, K).map((r) => r.keys)
      const s = Number(process.hrtime.bigint() - t0) / 1e9
      return { recall10: recall(truth, got), qps: nq / s, msPerQuery: (s / nq) * 1000 }
    },
  })

  // HnswIndex and HnswlibIndex take a new efSearch in place
  const setEfInPlace = async (index: VectorIndex, ef: number): Promise<VectorIndex> => {
    ;(index as HnswIndex | HnswlibIndex).efSearch = ef
    return index
  }
  const families: { label: string; build: () => VectorIndex; setEf: (index: VectorIndex, ef: number) => Promise<VectorIndex> }[] = [
    {
      label: 'HnswIndex',
      build: () => new HnswIndex({ dimensions: d, metric, M, efConstruction: EF_CONSTRUCTION, capacity: n }),
      setEf: setEfInPlace,
    },
  ]
  if (metric === 'ip') {
    families.push({
      label: 'HnswIndex (mipsTransform)',
      build: () => new HnswIndex({ dimensions: d, metric, M, efConstruction: EF_CONSTRUCTION, capacity: n, mipsTransform: true }),
      setEf: setEfInPlace,
    })
  }
  if (hnswlib) {
    families.push({
      label: 'hnswlib-node',
      build: () => new HnswlibIndex(hnswlib, { dimensions: d, metric, M, efConstruction: EF_CONSTRUCTION, capacity: n }),
      setEf: setEfInPlace,
    })
  }
  if (usearch) {
    families.push({
      label: 'usearch',
      build: () => new UsearchIndex(usearch, { dimensions: d, metric, M, efConstruction: EF_CONSTRUCTION, threads: 1 }),
      // usearch fixes expansion_search when the index is created: reload the saved index with another ef
      setEf: async (index, ef) => UsearchIndex.load(await index.save(), { binding: usearch, efSearch: ef, threads: 1 }),
    })
  }

  for (const fam of families) {
    let built: VectorIndex | undefined
    let current: VectorIndex | undefined
    cases.push({
      name: `${fam.label} build, ${tag}`,
      repeat: big ? 1 : 3,
      warmup: big ? 0 : 1,
      run: () => {
        built = fam.build()
        built.add(keys, ds.vectors)
      },
    })
    for (const ef of EF_SEARCH) {
      cases.push({
        name: `${fam.label} search ef ${ef}, ${tag}`,
        repeat: 3,
        setup: async () => {
          if (!built) throw new Error('index not built')
          if (!current || (current as { efSearch?: number }).efSearch !== ef) current = await fam.setEf(built, ef)
        },
        run: () => measure(truth, nq, single(current!, ds)),
      })
    }
  }
}

const here = path.dirname(fileURLToPath(import.meta.url))
const report: BenchReport = await runSuite(SUITE, cases, {
  command: `${SUITE === 'similarity' ? '' : `SIMILARITY_BENCH_SUITE=${SUITE} `}${process.env['SIMILARITY_BENCH_SETS'] ? `SIMILARITY_BENCH_SETS=${process.env['SIMILARITY_BENCH_SETS']} ` : ''}flock /tmp/recforge-bench.lock pnpm --filter @recforge/similarity bench`,
  notes: [
    ...notes,
    `Every index: M ${M}, efConstruction ${EF_CONSTRUCTION}, one thread (hnswlib-node adds points one call at a time; usearch threads 1). Queries run one at a time, k ${K}; recall10 is recall@10 against ExactIndex.`,
    `${hnswlib ? 'hnswlib-node 3.0.0' : 'hnswlib-node not installed'}; ${usearch ? 'usearch 2.26.2' : 'usearch not installed'}. usearch changes efSearch by reloading the saved index (untimed).`,
    'qps and msPerQuery time the search loop only (medians over runs). 100k builds run once (tens of seconds each on this shared 2-core machine); other cases report the median of 3 runs after one warm-up.',
  ],
})

const resultsDir = path.resolve(here, '../../../bench/results')
const svg = renderRecallQps(report)
const file = path.join(resultsDir, `${SUITE}-recall-qps.svg`)
writeFileSync(`${file}.tmp`, svg)
renameSync(`${file}.tmp`, file)
