// Writes a seeded evaluation split as TSV for the PyTorch references (multvae_torch.py here,
// packages/graph/bench/reference/lightgcn_torch.py): the exact train and test parts that
// `recforge evaluate --protocol <protocol> --seed <seed>` scores, with the split's user and item
// indices. Run from the repository root:
//   node --conditions=@recforge/source --import tsx packages/autoencoders/bench/reference/export-split.ts <out-dir> [--data <spec>] [--protocol holdout-full] [--seed 42]
// Writes <protocol>-train.tsv and <protocol>-test.tsv (first line: users, items; then user, item,
// value per interaction) and, for sampled protocols, <protocol>-candidates.tsv (user, then the
// items it is ranked among). --data defaults to movielens-latest:../shared/data/ml-latest-small.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseProtocol, SPLIT_PROTOCOLS, type Interactions } from '@recforge/core'
import { loadDataset, splitProtocol } from '@recforge/data'

const here = path.dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const flag = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`)
  return at >= 0 && args[at + 1] ? args[at + 1]! : fallback
}
const out = args[0]
if (!out || out.startsWith('--')) throw new Error('usage: export-split.ts <out-dir> [--data <spec>] [--protocol holdout-full] [--seed 42]')
const spec = flag('data', `movielens-latest:${path.resolve(here, '../../../../../shared/data/ml-latest-small')}`)
const protocol = parseProtocol(flag('protocol', 'holdout-full'), SPLIT_PROTOCOLS)
const seed = Number(flag('seed', '42'))

/** `users<TAB>items`, then `user<TAB>item<TAB>value` per interaction in CSR order. */
function triplesTsv(d: Interactions): string {
  const lines: string[] = [`${d.users.size}\t${d.items.size}`]
  for (let u = 0; u < d.users.size; u++) for (let k = d.indptr[u]!; k < d.indptr[u + 1]!; k++) lines.push(`${u}\t${d.indices[k]}\t${d.values[k]}`)
  return lines.join('\n') + '\n'
}

mkdirSync(out, { recursive: true })
const splits = splitProtocol(await loadDataset(spec), protocol, { seed })
for (const split of splits) {
  const name = splits.length > 1 ? `${protocol}-${split.fold}` : protocol
  writeFileSync(path.join(out, `${name}-train.tsv`), triplesTsv(split.train))
  writeFileSync(path.join(out, `${name}-test.tsv`), triplesTsv(split.test))
  const c = split.candidates
  if (c) {
    const lines: string[] = []
    for (let u = 0; u + 1 < c.indptr.length; u++) if (c.indptr[u + 1]! > c.indptr[u]!) lines.push([u, ...c.items.subarray(c.indptr[u]!, c.indptr[u + 1]!)].join('\t'))
    writeFileSync(path.join(out, `${name}-candidates.tsv`), lines.join('\n') + '\n')
  }
  process.stdout.write(`${name}: ${split.train.indptr[split.train.users.size]} training and ${split.test.indptr[split.test.users.size]} test interactions, ${split.train.users.size} users, ${split.train.items.size} items -> ${out}\n`)
}
