/**
 * Writes the data of every comparison once per run, so that both sides read the same bytes:
 * the synthetic 1M preset with a seeded holdout-full split (ALS, BPR), ml-latest-small's seeded
 * 5 folds (MF, SVD++), the similarity benchmark's vector sets with exact top-10 (HNSW), the
 * baselines benchmark's synthetic EASE matrices, and the ncf benchmark's loo-sampled split.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { nnz, type Interactions } from '@recforge/core'
import { generateSynthetic, loadDataset, splitProtocol } from '@recforge/data'
import { ExactIndex } from '@recforge/similarity'
import { syntheticImplicit } from '../../../packages/baselines/bench/synthetic'
import { clusteredData, goodbooksTfidf, movielensFactors, randomData, type BenchData } from '../../../packages/similarity/bench/data'
import { writeCsr, writeDense } from './files'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const mlLatestDir = process.env.RECFORGE_ML_LATEST ?? path.resolve(repoRoot, '../shared/data/ml-latest-small')

function fresh(dir: string): string {
  mkdirSync(dir, { recursive: true })
  return dir
}

/** Synthetic 1M (6,040 × 3,706): train and test CSR of the seeded holdout-full split. */
export function prepareImplicit(root: string): { dir: string; train: number; test: number } {
  const dir = fresh(path.join(root, 'implicit-1m'))
  const ds = generateSynthetic('1m', { itemText: false })
  const [split] = splitProtocol(ds, 'holdout-full', { seed: 42 })
  writeCsr(dir, 'train', split!.train)
  writeCsr(dir, 'test', split!.test)
  return { dir, train: nnz(split!.train), test: nnz(split!.test) }
}

/** `user,item,rating` lines with the CSR's row and column numbers as ids. */
function ratingsCsv(d: Interactions): string {
  const lines: string[] = []
  for (let u = 0; u < d.users.size; u++) for (let e = d.indptr[u]!; e < d.indptr[u + 1]!; e++) lines.push(`${u},${d.indices[e]},${d.values[e]}`)
  return lines.join('\n') + '\n'
}


/** ml-latest-small's seeded 5 folds (`rating-folds`, seed 42), as CSR for RecForge and CSV for Surprise. */
export async function writeRatingFolds(root: string): Promise<{ dir: string; folds: number } | undefined> {
  if (!existsSync(path.join(mlLatestDir, 'ratings.csv'))) return undefined
  const dir = fresh(path.join(root, 'ml-latest-folds'))
  const ds = await loadDataset(`movielens-latest:${mlLatestDir}`)
  const folds = splitProtocol(ds, 'rating-folds', { seed: 42 })
  folds.forEach((f, i) => {
    writeCsr(dir, `fold${i}-train`, f.train)
    writeCsr(dir, `fold${i}-test`, f.test)
    writeFileSync(path.join(dir, `fold${i}-train.csv`), ratingsCsv(f.train))
    writeFileSync(path.join(dir, `fold${i}-test.csv`), ratingsCsv(f.test))
  })
  return { dir, folds: folds.length }
}

/** The vector sets of the similarity benchmark, by name. */
export const VECTOR_SETS: Record<string, (n: number) => BenchData> = {
  clustered: (n) => clusteredData(n),
  random: (n) => randomData(n),
  movielens: () => movielensFactors(),
  goodbooks: () => goodbooksTfidf(),
}

/** One vector set with its exact top-10 (ExactIndex) as the truth. */
export function prepareVectors(root: string, set: string, n: number): { dir: string; name: string; metric: string; n: number; d: number } {
  const make = VECTOR_SETS[set]
  if (!make) throw new Error(`unknown vector set "${set}"; expected one of ${Object.keys(VECTOR_SETS).join(', ')}`)
  const ds = make(n)
  const dir = fresh(path.join(root, `vectors-${set}`))
  const count = ds.vectors.length / ds.d
  const exact = new ExactIndex({ dimensions: ds.d, metric: ds.metric, capacity: count })
  exact.add(Int32Array.from({ length: count }, (_, i) => i), ds.vectors)
  const hits = exact.searchBatch(ds.queries, 10)
  const truth = new Float32Array(hits.length * 10)
  hits.forEach((h, q) => truth.set(Float32Array.from(h.keys), q * 10))
  writeDense(dir, 'vectors', ds.vectors, ds.d)
  writeDense(dir, 'queries', ds.queries, ds.d)
  writeDense(dir, 'truth', truth, 10)
  writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ name: ds.name, metric: ds.metric, note: ds.note }))
  return { dir, name: ds.name, metric: ds.metric, n: count, d: ds.d }
}

/** The baselines benchmark's EASE data: 6,040 users, about 1M interactions over `items` items (seed 2). */
export function prepareEase(root: string, items: number): { dir: string; nnz: number } {
  const dir = fresh(path.join(root, `ease-${items}`))
  const data = syntheticImplicit({ users: 6040, items, target: 1_000_000, seed: 2 })
  writeCsr(dir, 'train', data)
  return { dir, nnz: nnz(data) }
}

/** The ncf benchmark's loo-sampled split of ml-latest-small, written by its own export script. */
export function prepareNcf(root: string): string | undefined {
  if (!existsSync(path.join(mlLatestDir, 'ratings.csv'))) return undefined
  const dir = fresh(path.join(root, 'ncf-loo'))
  execFileSync(process.execPath, ['--conditions=@recforge/source', '--import', 'tsx', path.join(repoRoot, 'packages/ncf/bench/reference/export-split.ts'), dir], {
    cwd: repoRoot,
    env: { ...process.env, NCF_BENCH_DATA: mlLatestDir },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  return dir
}
