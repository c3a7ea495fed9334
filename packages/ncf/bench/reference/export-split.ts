// Writes the seeded loo-sampled split of ml-latest-small (the one the ncf benchmark evaluates) and
// the synthetic ml100k training set as TSV, for the PyTorch reference NeuMF in neumf_torch.py.
// Run from the repository root:
//   node --conditions=@recforge/source --import tsx packages/ncf/bench/reference/export-split.ts <out-dir>
// NCF_BENCH_DATA points at another ml-latest-small copy.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Interactions } from '@recforge/core'
import { generateSynthetic, loadDataset, splitProtocol } from '@recforge/data'

const here = path.dirname(fileURLToPath(import.meta.url))
const out = process.argv[2]
if (!out) throw new Error('usage: export-split.ts <out-dir>')
const dataDir = process.env.NCF_BENCH_DATA ?? path.resolve(here, '../../../../../shared/data/ml-latest-small')
mkdirSync(out, { recursive: true })

/** `user<TAB>item` per interaction, item and user indices as in the split. */
function pairs(d: Interactions): string {
  const lines: string[] = [`${d.users.size}\t${d.items.size}`]
  for (let u = 0; u < d.users.size; u++) for (let k = d.indptr[u]!; k < d.indptr[u + 1]!; k++) lines.push(`${u}\t${d.indices[k]}`)
  return lines.join('\n') + '\n'
}

const ds = await loadDataset(`movielens-latest:${dataDir}`)
const [split] = splitProtocol(ds, 'loo-sampled', { seed: 42 })
writeFileSync(path.join(out, 'loo-train.tsv'), pairs(split!.train))
// user, held-out item, then the candidate list the metrics rank it in
const test: string[] = []
const c = split!.candidates!
for (let u = 0; u < split!.test.users.size; u++) {
  for (let k = split!.test.indptr[u]!; k < split!.test.indptr[u + 1]!; k++) {
    test.push([u, split!.test.indices[k], ...c.items.subarray(c.indptr[u]!, c.indptr[u + 1]!)].join('\t'))
  }
}
writeFileSync(path.join(out, 'loo-test.tsv'), test.join('\n') + '\n')
writeFileSync(path.join(out, 'ml100k-train.tsv'), pairs(generateSynthetic('ml100k').interactions))
process.stdout.write(`wrote ${test.length} test users, ${split!.train.indptr[split!.train.users.size]} training interactions to ${out}\n`)
