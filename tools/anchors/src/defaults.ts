/**
 * Defaults against tuned settings: each model's default parameters and the settings that
 * `recforge tune` chose (the evidence tables of the package READMEs), fitted on the `holdout-full`
 * split (seed 42) of ml-latest-small and of the synthetic `small`, `ml100k` and `1m` presets, with
 * ndcg@10 on the test part (training items excluded) and the fit seconds.
 *
 *   node --conditions=@recforge/source --import tsx src/defaults.ts        (from tools/anchors)
 *
 * DEFAULTS_DATA=ml-latest-small,small,ml100k,1m picks datasets. Prints one JSON line per fit and a
 * Markdown table at the end.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import type { Recommender } from '@recforge/core'
import { generateSynthetic, loadDataset, splitProtocol, type Dataset } from '@recforge/data'
import { evaluateSplit } from '@recforge/metrics'
import { ALS } from '@recforge/mf'
import { mlLatestDir } from './prepare'

interface Candidate {
  model: string
  label: string
  create: () => Recommender<object>
}

/** The defaults and the settings `recforge tune` found (packages/mf/README.md, "Defaults and tuning"). */
const candidates: Candidate[] = [
  { model: 'als', label: "implicit's defaults (l2 0.01 for every row, alpha 1)", create: () => new ALS({ l2: 0.01, l2Scaling: 'none', alpha: 1 }) },
  { model: 'als', label: 'l2 10 for every row, alpha 1', create: () => new ALS({ l2: 10, l2Scaling: 'none', alpha: 1 }) },
  { model: 'als', label: 'l2 30 for every row, alpha 1 (best fixed l2 of the tune grid on ml-latest-small and small)', create: () => new ALS({ l2: 30, l2Scaling: 'none', alpha: 1 }) },
  { model: 'als', label: 'defaults (l2 0.3 per interaction, l2Scaling count, alpha 1)', create: () => new ALS() },
]

const names = (process.env.DEFAULTS_DATA ?? 'ml-latest-small,small,ml100k,1m').split(',')
async function dataset(name: string): Promise<Dataset | undefined> {
  if (name === 'ml-latest-small') return existsSync(path.join(mlLatestDir, 'ratings.csv')) ? loadDataset(`movielens-latest:${mlLatestDir}`) : undefined
  return generateSynthetic(name as 'small' | 'ml100k' | '1m', { itemText: false })
}

const rows: string[] = []
for (const name of names) {
  const ds = await dataset(name)
  if (!ds) {
    rows.push(`| ${name} | missing: ml-latest-small not found at ${mlLatestDir} | | |`)
    continue
  }
  const [split] = splitProtocol(ds, 'holdout-full', { seed: 42 })
  for (const c of candidates) {
    const m = c.create()
    const t0 = performance.now()
    await m.fit(split!.train, { seed: 42 })
    const fitSeconds = (performance.now() - t0) / 1000
    const ndcg = evaluateSplit(m, split!, { k: 10 }).metrics['ndcg@10']!
    process.stdout.write(`${JSON.stringify({ dataset: name, model: c.model, settings: c.label, 'ndcg@10': ndcg, fitSeconds })}\n`)
    rows.push(`| ${name} | \`${c.model}\` ${c.label} | ${ndcg.toFixed(4)} | ${fitSeconds.toFixed(1)} |`)
  }
}
process.stdout.write(['', '| dataset | settings | ndcg@10 | fit s |', '|---|---|---:|---:|', ...rows, ''].join('\n'))
