import { InteractionsBuilder, Random, type Interactions } from '@recforge/core'

/**
 * A planted sequential pattern: item `i` is always followed by item `(i + 1) mod items`. Each user
 * watched a run of consecutive items from a random start; the item after the run is the one a
 * sequence model must rank first. With `shuffleRows`, rows are stored in a random order and only
 * the timestamps tell the sequence.
 */
export function successorFixture(opts: { items?: number; users?: number; minLength?: number; maxLength?: number; seed?: number; shuffleRows?: boolean; timestamps?: boolean } = {}): {
  train: Interactions
  next: Int32Array
} {
  const nI = opts.items ?? 24
  const nU = opts.users ?? 60
  const rng = new Random(opts.seed ?? 3)
  const rows: [string, string, number][] = []
  const next = new Int32Array(nU)
  const b = new InteractionsBuilder({ timestamps: opts.timestamps ?? true })
  for (let i = 0; i < nI; i++) b.items.add(`i${i}`)
  for (let u = 0; u < nU; u++) {
    b.users.add(`u${u}`)
    const minLen = opts.minLength ?? 4
    const len = minLen + rng.int((opts.maxLength ?? 8) - minLen + 1)
    const start = rng.int(nI)
    for (let j = 0; j < len; j++) rows.push([`u${u}`, `i${(start + j) % nI}`, 1_700_000_000 + u * 1000 + j])
    next[u] = (start + len) % nI
  }
  if (opts.shuffleRows) rng.shuffle(rows)
  for (const [u, i, t] of rows) b.push(u, i, 1, t)
  return { train: b.build(), next }
}
