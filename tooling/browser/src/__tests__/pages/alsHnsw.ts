// The work of the ALS + HNSW page, shared with the Node side of the test so both run the same code.
import type { Dataset } from '@recforge/data'
import { ALS } from '@recforge/mf'
import { buildItemIndex, recommendWithIndex } from '@recforge/similarity'

/** Users whose lists the test compares (external MovieLens ids). */
export const USERS = ['1', '2', '15', '68', '111', '232', '414', '480', '599', '610']

export interface AlsHnswResult {
  /** Per user of {@link USERS}: the top-10 movie ids, best first, and their scores. */
  lists: { user: string; items: string[]; scores: number[] }[]
  /** Titles of user 1's list (the page got movies.csv too). */
  titles: string[]
  counts: { users: number; items: number; ratings: number }
  /** Threads the fit ran on (1 when its progress names none). */
  threads: number
}

export async function fitAndRecommend(ds: Dataset, opts: { wasm?: boolean } = {}): Promise<AlsHnswResult> {
  const data = ds.interactions
  const model = new ALS({ factors: 32, iterations: 6, seed: 7, ...opts })
  let threads = 1
  await model.fit(data, { seed: 7, onProgress: (e) => void (e.message && (threads = Number(/^(\d+) threads/.exec(e.message)?.[1] ?? 1))) })
  const index = buildItemIndex(model, { kind: 'hnsw', M: 16, efConstruction: 100, efSearch: 64, seed: 3 })
  const lists = USERS.map((user) => {
    const u = data.users.index(user)!
    const rec = recommendWithIndex(model, index, u, { k: 10, seen: data })
    return { user, items: Array.from(rec.items, (i) => data.items.id(i)), scores: Array.from(rec.scores) }
  })
  const first = recommendWithIndex(model, index, data.users.index('1')!, { k: 10, seen: data })
  return {
    lists,
    titles: Array.from(first.items, (i) => ds.itemInfo?.titles[i] ?? ''),
    counts: { users: data.users.size, items: data.items.size, ratings: data.indptr[data.users.size]! },
    threads,
  }
}
