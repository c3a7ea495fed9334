import { Random } from '@recforge/core'
import { peakRssMiB, runSuite, type BenchCase } from '@recforge/bench'
import { PCA, adjustedRandIndex, dbscan, kmeans, miniBatchKMeans, silhouette, type Embedding } from '../src/index'

/**
 * `n` rows in `d` dimensions around `k` planted centres (centres N(0, spread²) per dimension,
 * rows N(centre, 1)), with cluster sizes skewed like popularity (cluster c has weight 1 / (c + 1)),
 * and per-dimension scales decaying like a trained embedding's spectrum.
 */
function synthetic(n: number, d: number, k: number, spread: number, seed: number): Embedding & { truth: Int32Array } {
  const rng = new Random(seed)
  const centres = new Float64Array(k * d)
  for (let i = 0; i < centres.length; i++) centres[i] = rng.normal(0, spread)
  const scale = Float64Array.from({ length: d }, (_, j) => 1 / Math.sqrt(1 + j / 8))
  const weights = Array.from({ length: k }, (_, c) => 1 / (c + 1))
  const total = weights.reduce((a, b) => a + b, 0)
  const vectors = new Float32Array(n * d)
  const truth = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    let u = rng.float() * total
    let c = 0
    while (c < k - 1 && (u -= weights[c]!) > 0) c++
    truth[i] = c
    for (let j = 0; j < d; j++) vectors[i * d + j] = (centres[c * d + j]! + rng.normal()) * scale[j]!
  }
  return { vectors, dimensions: d, truth }
}

const d = 64
const k = 16
const small = synthetic(10_000, d, k, 1.5, 1)
const large = synthetic(100_000, d, k, 1.5, 2)
const exactSmall = PCA.fit(small, { components: d })
const exactLarge = PCA.fit(large, { components: d })

/** Largest relative error of the first `c` singular values against the full decomposition. */
function svError(pca: PCA, exact: PCA): number {
  let worst = 0
  for (let j = 0; j < pca.count; j++) worst = Math.max(worst, Math.abs(pca.singularValues[j]! - exact.singularValues[j]!) / exact.singularValues[j]!)
  return worst
}

let fullLargeInertia = Number.NaN

const cases: BenchCase[] = [
  {
    name: `kmeans 10,000 × ${d}, k ${k}, 4 restarts`,
    repeat: 5,
    run: () => {
      const r = kmeans(small, { k, seed: 42 })
      return { inertia: r.inertia, iterations: r.iterations, ariVsPlanted: adjustedRandIndex(r.labels, small.truth), peakRssMiB: peakRssMiB() }
    },
  },
  {
    name: `kmeans 100,000 × ${d}, k ${k}, 4 restarts`,
    repeat: 3,
    warmup: 0,
    run: () => {
      const r = kmeans(large, { k, seed: 42 })
      fullLargeInertia = r.inertia
      return { inertia: r.inertia, iterations: r.iterations, ariVsPlanted: adjustedRandIndex(r.labels, large.truth), peakRssMiB: peakRssMiB() }
    },
  },
  {
    name: `miniBatchKMeans 100,000 × ${d}, k ${k}, batch 1024`,
    repeat: 5,
    run: () => {
      const r = miniBatchKMeans(large, { k, seed: 42 })
      return { inertia: r.inertia, iterations: r.iterations, inertiaVsFull: r.inertia / fullLargeInertia, ariVsPlanted: adjustedRandIndex(r.labels, large.truth), peakRssMiB: peakRssMiB() }
    },
  },
  {
    name: `PCA 10,000 × ${d} → 2`,
    repeat: 5,
    run: () => {
      const p = PCA.fit(small, { components: 2 })
      return { varianceRatio: p.explainedVarianceRatio[0]! + p.explainedVarianceRatio[1]!, svRelError: svError(p, exactSmall) }
    },
  },
  {
    name: `PCA 100,000 × ${d} → 2`,
    repeat: 5,
    run: () => {
      const p = PCA.fit(large, { components: 2 })
      return { varianceRatio: p.explainedVarianceRatio[0]! + p.explainedVarianceRatio[1]!, svRelError: svError(p, exactLarge) }
    },
  },
  {
    name: `PCA 100,000 × ${d} → 16`,
    repeat: 5,
    run: () => {
      const p = PCA.fit(large, { components: 16 })
      return { varianceRatio: p.explainedVarianceRatio.reduce((a, b) => a + b, 0), svRelError: svError(p, exactLarge), peakRssMiB: peakRssMiB() }
    },
  },
  {
    name: `PCA transform 100,000 × ${d} → 2`,
    repeat: 5,
    run: () => {
      exactLarge.transform(large)
    },
  },
  {
    name: `dbscan 10,000 × ${d}, l2, eps 5.5, minPoints 10`,
    repeat: 3,
    run: () => {
      const r = dbscan(small, { eps: 5.5, minPoints: 10 })
      return { clusters: r.clusters, noiseShare: r.noise / 10_000, ariVsPlanted: adjustedRandIndex(r.labels, small.truth) }
    },
  },
  {
    name: `silhouette 10,000 × ${d}, every row`,
    repeat: 3,
    run: () => ({ silhouette: silhouette(small, small.truth).score }),
  },
  {
    name: `silhouette 100,000 × ${d}, sample 1,000`,
    repeat: 3,
    run: () => ({ silhouette: silhouette(large, large.truth, { sampleSize: 1000 }).score }),
  },
]

await runSuite('cluster', cases, {
  command: 'pnpm --filter @recforge/cluster bench',
  notes: [
    `Synthetic: ${k} planted clusters in ${d} dimensions (centres N(0, 1.5²), rows N(centre, 1)), cluster sizes ∝ 1/(c+1), dimension j scaled by 1/√(1 + j/8); seeds 1 and 2.`,
    'ariVsPlanted: adjusted Rand index against the planted clusters; inertiaVsFull: mini-batch inertia over full k-means inertia on the same rows; svRelError: largest relative error of the kept singular values against all 64 (randomized SVD with oversampling 10 and 4 power iterations against the full decomposition).',
  ],
})
