/**
 * The RecForge side of one comparison, one job per process (as each anchor runs in its own
 * Python process): reads the files that prepare.ts wrote and prints one JSON object.
 *
 *   recforge.ts als|bpr <dir> <threads> <iterations> [learningRate]
 *   recforge.ts mf|svdpp <dir> <folds>
 *   recforge.ts hnsw|hnswlib-node <dir> <efs, comma-separated>
 *   recforge.ts ease <dir> <threads>
 *   recforge.ts neumf <mlLatestDir> <epochs> <seed>
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Interactions, Metric, ProgressEvent, Recommender, VectorIndex } from '@recforge/core'
import { ALS, BPR, MF, SVDpp } from '@recforge/mf'
import { HnswIndex } from '@recforge/similarity'
import { HnswlibIndex, loadHnswlib } from '@recforge/similarity/hnswlib'
import { EASE } from '@recforge/baselines'
import { ratingErrors } from '@recforge/bench'
import { readCsr, readDense } from './files'
import { median } from './stats'

const [job, dir, ...rest] = process.argv.slice(2)
if (!job || !dir) throw new Error('usage: recforge.ts <job> <dir> ...')

/** Mean NDCG@10 over users with a test item, as common.py's ndcg_at_k computes it. */
function ndcg10(model: Recommender<object>, test: Interactions): number {
  let total = 0
  let users = 0
  for (let u = 0; u < test.users.size; u++) {
    const a = test.indptr[u]!
    const b = test.indptr[u + 1]!
    if (a === b) continue
    const rel = new Set(test.indices.subarray(a, b))
    const top = model.recommend(u, { k: 10, excludeSeen: true }).items
    let dcg = 0
    top.forEach((item, r) => {
      if (rel.has(item)) dcg += 1 / Math.log2(r + 2)
    })
    let ideal = 0
    for (let r = 0; r < Math.min(10, rel.size); r++) ideal += 1 / Math.log2(r + 2)
    total += dcg / ideal
    users++
  }
  return total / Math.max(1, users)
}

/** CPU seconds of this process so far, all threads (user + system). */
function cpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** Per-step wall and CPU seconds from progress events (steps after the first, as implicit's callback times them). */
function stepTimer(): { onProgress: (e: ProgressEvent) => void; perStep: () => number; cpuPerStep: () => number; steps: () => number } {
  const t: number[] = [performance.now()]
  const cpu: number[] = [cpuSeconds()]
  const later = (x: number[], scale: number) => {
    const d = x.slice(1).map((v, i) => (v - x[i]!) / scale)
    return median(d.length > 2 ? d.slice(1) : d)
  }
  return {
    onProgress: () => {
      t.push(performance.now())
      cpu.push(cpuSeconds())
    },
    perStep: () => later(t, 1000),
    cpuPerStep: () => later(cpu, 1),
    steps: () => t.length - 1,
  }
}

async function implicitJob(model: 'als' | 'bpr'): Promise<Record<string, unknown>> {
  const [threads, iterations, learningRate] = rest.map(Number)
  const train = readCsr(dir!, 'train')
  const test = readCsr(dir!, 'test')
  const m =
    model === 'als'
      ? new ALS({ factors: 64, iterations: iterations!, l2: 0.01, l2Scaling: 'none', alpha: 1, threads: threads! })
      : new BPR({ factors: 64, epochs: iterations!, learningRate: learningRate ?? 0.05, l2: 0.01, threads: threads! })
  const timer = stepTimer()
  const t0 = performance.now()
  await m.fit(train, { onProgress: timer.onProgress })
  const fitSeconds = (performance.now() - t0) / 1000
  return { library: 'RecForge', secondsPerStep: timer.perStep(), cpuSecondsPerStep: timer.cpuPerStep(), fitSeconds, 'ndcg@10': ndcg10(m, test), steps: timer.steps() }
}

/** Surprise SVD's lr_all and reg_all, so `mf` runs at equal settings. */
const SURPRISE_SVD = { learningRate: 0.005, l2: 0.02 } as const

async function ratingJob(model: 'mf' | 'svdpp'): Promise<Record<string, unknown>> {
  const folds = Number(rest[0] ?? 5)
  const fit: number[] = []
  const errors: number[] = []
  for (let i = 0; i < folds; i++) {
    const train = readCsr(dir!, `fold${i}-train`)
    const test = readCsr(dir!, `fold${i}-test`)
    // mf at Surprise SVD's settings (its own defaults learn faster and penalise more); svdpp's defaults are Surprise's
    const m = model === 'mf' ? new MF(SURPRISE_SVD) : new SVDpp()
    const t0 = performance.now()
    await m.fit(train)
    fit.push((performance.now() - t0) / 1000)
    errors.push(ratingErrors(m, test).rmse)
  }
  return { library: 'RecForge', fitSecondsPerFold: fit, rmsePerFold: errors }
}

function recall(truth: Float32Array, q: number, got: Int32Array): number {
  const t = new Set(truth.subarray(q * 10, q * 10 + 10))
  let hit = 0
  for (const key of got) if (t.has(key)) hit++
  return hit
}

async function hnswJob(kind: 'hnsw' | 'hnswlib-node'): Promise<Record<string, unknown>> {
  const efs = (rest[0] ?? '16,32,64,128,256').split(',').map(Number)
  const meta = JSON.parse(readFileSync(path.join(dir!, 'meta.json'), 'utf8')) as { metric: Metric }
  const vectors = readDense(dir!, 'vectors')
  const queries = readDense(dir!, 'queries')
  const truth = readDense(dir!, 'truth').data
  const d = vectors.cols
  const n = vectors.rows
  const opts = { dimensions: d, metric: meta.metric, M: 16, efConstruction: 200, capacity: n }
  const t0 = performance.now()
  let index: VectorIndex & { efSearch: number }
  if (kind === 'hnsw') index = new HnswIndex(opts)
  else index = new HnswlibIndex(await loadHnswlib(), opts)
  index.add(Int32Array.from({ length: n }, (_, i) => i), vectors.data)
  const buildSeconds = (performance.now() - t0) / 1000
  const points = efs.map((ef) => {
    index.efSearch = ef
    let hits = 0
    const s0 = performance.now()
    for (let q = 0; q < queries.rows; q++) hits += recall(truth, q, index.search(queries.data.subarray(q * d, q * d + d), 10).keys)
    const s = (performance.now() - s0) / 1000
    return { ef, recall10: hits / (queries.rows * 10), qps: queries.rows / s }
  })
  return { library: kind === 'hnsw' ? 'RecForge' : 'hnswlib-node 3.0.0', buildSeconds, points }
}

async function easeJob(): Promise<Record<string, unknown>> {
  const threads = Number(rest[0] ?? 1)
  const train = readCsr(dir!, 'train')
  const stages: Record<string, number> = {}
  let last = performance.now()
  const t0 = last
  const m = new EASE({ lambda: 500, threads })
  await m.fit(train, {
    onProgress: (e) => {
      const now = performance.now()
      stages[e.stage] = (stages[e.stage] ?? 0) + (now - last) / 1000
      last = now
    },
  })
  return { library: 'RecForge', fitSeconds: (performance.now() - t0) / 1000, gramSeconds: stages.gram ?? 0, invertSeconds: stages.invert ?? 0, woodburySeconds: stages.woodbury ?? 0, weightsSeconds: stages.weights ?? 0 }
}

async function neumfJob(): Promise<Record<string, unknown>> {
  const [epochs, seed] = rest.map(Number)
  const { loadDataset, splitProtocol } = await import('@recforge/data')
  const { evaluateSplit } = await import('@recforge/metrics')
  const { initBackend } = await import('@recforge/tf')
  const { NeuMF } = await import('@recforge/ncf')
  await initBackend()
  const ds = await loadDataset(`movielens-latest:${dir}`)
  const [split] = splitProtocol(ds, 'loo-sampled', { seed: 42 })
  const m = new NeuMF({ learningRate: 0.001, batchSize: 256, negatives: 4, factors: 8, layers: [64, 32, 16, 8], epochs: epochs! })
  await m.fit(split!.train, { seed: seed! })
  const r = evaluateSplit(m, split!, { k: 10 })
  const per = m.lastFit!.epochSeconds
  return { library: 'RecForge', secondsPerStep: median(per.length > 2 ? per.slice(1) : per), 'hr@10': r.metrics['hr@10'], 'ndcg@10': r.metrics['ndcg@10'], backend: m.lastFit!.backend }
}

const jobs: Record<string, () => Promise<Record<string, unknown>>> = {
  als: () => implicitJob('als'),
  bpr: () => implicitJob('bpr'),
  mf: () => ratingJob('mf'),
  svdpp: () => ratingJob('svdpp'),
  hnsw: () => hnswJob('hnsw'),
  'hnswlib-node': () => hnswJob('hnswlib-node'),
  ease: easeJob,
  neumf: neumfJob,
}
const run = jobs[job]
if (!run) throw new Error(`unknown job "${job}"; expected one of ${Object.keys(jobs).join(', ')}`)
process.stdout.write(JSON.stringify(await run()) + '\n')
