/**
 * Queries per second of HnswIndex (M 16, efConstruction 200) on one of the anchors' vector sets,
 * after its build, for profiling the query path (`node --cpu-prof`; the samples under \`search\`
 * are the queries):
 *
 *   profile-hnsw.ts <vectorDir> [efSearch 64] [passes over the queries 5]
 *
 * vectorDir is one of the folders run.ts writes (e.g. /tmp/recforge-anchors-data/vectors-goodbooks).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Metric } from '@recforge/core'
import { HnswIndex } from '@recforge/similarity'
import { readDense } from './files'
const [dir, efArg = '64', passes = '5'] = process.argv.slice(2)
const meta = JSON.parse(readFileSync(path.join(dir!, 'meta.json'), 'utf8')) as { metric: Metric }
const v = readDense(dir!, 'vectors'); const q = readDense(dir!, 'queries')
const idx = new HnswIndex({ dimensions: v.cols, metric: meta.metric, M: 16, efConstruction: 200, capacity: v.rows })
idx.add(Int32Array.from({ length: v.rows }, (_, i) => i), v.data)
idx.efSearch = Number(efArg)
const d = v.cols
const t0 = performance.now()
for (let p = 0; p < Number(passes); p++) for (let i = 0; i < q.rows; i++) idx.search(q.data.subarray(i * d, i * d + d), 10)
const s = (performance.now() - t0) / 1000
console.log(JSON.stringify({ dir, n: v.rows, d, queries: q.rows * Number(passes), qps: (q.rows * Number(passes)) / s }))
