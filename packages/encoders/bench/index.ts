/**
 * Encoder throughput on ml-latest-small item texts (title, genres, tags), in sentences per second.
 * Run from the repository root:
 *   flock /tmp/recforge-bench.lock pnpm --filter @recforge/encoders bench
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runSuite, type BenchCase } from '@recforge/bench'
import { itemText, type Encoder } from '@recforge/core'
import { loadMovieLensLatest } from '@recforge/data'
import { CachedEncoder, EmbeddingCache, HashingEncoder, TfIdfEncoder } from '../src/index'
import { loadTransformersTextEncoder } from '../src/transformers/index'
import { loadUniversalSentenceEncoder } from '../src/use/index'

const here = path.dirname(fileURLToPath(import.meta.url))
const dataDir = process.env.ML_LATEST_SMALL ?? path.resolve(here, '../../../../shared/data/ml-latest-small')
const ds = await loadMovieLensLatest(dataDir)
const info = ds.itemInfo!
const all = Array.from({ length: info.titles.length }, (_, i) => itemText(info, i))
const take = (n: number) => all.slice(0, n)

function throughput(name: string, enc: () => Encoder<string>, texts: readonly string[], repeat = 5): BenchCase {
  return {
    name: `${name}, ${texts.length} item texts`,
    repeat,
    run: async () => {
      const t0 = process.hrtime.bigint()
      const v = await enc().encode(texts)
      const s = Number(process.hrtime.bigint() - t0) / 1e9
      return { sentencesPerSecond: texts.length / s, dimensions: v.length / texts.length }
    },
  }
}

const use = await loadUniversalSentenceEncoder({ batchSize: 32 })
const tfidf = new TfIdfEncoder().fit(all)
const bm25 = new TfIdfEncoder({ weighting: 'bm25' }).fit(all)
const hashing = new HashingEncoder({ dimensions: 1024 })
const tiny = await loadTransformersTextEncoder({ model: 'tiny-bert', localModelPath: path.resolve(here, '../src/__tests__/fixtures') })
const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'recforge-bench-cache-'))
const cached = new CachedEncoder(hashing, { cache: new EmbeddingCache({ dir: cacheDir }) })
await cached.encode(all)
const cachedUse = new CachedEncoder(use, { cache: new EmbeddingCache({ dir: cacheDir }) })
await cachedUse.encode(take(512))

await runSuite(
  'encoders',
  [
    throughput('Universal Sentence Encoder lite (tfjs wasm, batch 32)', () => use, take(512), 3),
    throughput('Universal Sentence Encoder lite, all cached (EmbeddingCache hits)', () => cachedUse, take(512), 5),
    throughput('transformers.js tiny fixture BERT (32 dims, NOT a real model; onnxruntime-node cpu)', () => tiny, take(2000), 5),
    throughput('TF-IDF (4096 terms)', () => tfidf, all, 5),
    throughput('BM25 (4096 terms)', () => bm25, all, 5),
    throughput('feature hashing (1024 dims, words + bigrams)', () => hashing, all, 5),
  ],
  {
    command: 'flock /tmp/recforge-bench.lock pnpm --filter @recforge/encoders bench',
    notes: [
      `Corpus: ml-latest-small movie texts built with core's itemText (title. Genres: .... Tags: ...), ${all.length} items; each case encodes the first N.`,
      'The tiny transformers.js model is a generated test fixture (one embedding layer, 32 dimensions); it measures the pipeline overhead (tokenizer, ONNX Runtime session, pooling), not a real sentence model.',
      'Shared 2-core machine with other jobs running: treat the figures as rough.',
    ],
  },
)
await use.dispose()
await tiny.dispose()
rmSync(cacheDir, { recursive: true, force: true })
