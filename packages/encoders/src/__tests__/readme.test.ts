import { it } from 'vitest'
import { CachedEncoder, EmbeddingCache } from '../index'
import { loadUniversalSentenceEncoder } from '../use/index'
it('readme', async () => {
  const use = new CachedEncoder(await loadUniversalSentenceEncoder(), { cache: new EmbeddingCache({ dir: false }) })
  const texts = ['Heat (1995). Genres: Action, Crime, Thriller', 'Notting Hill (1999). Genres: Comedy, Romance', 'a clever bank robbery']
  const v = await use.encode(texts)
  const cos = (a: number, b: number) => v.subarray(a * 512, a * 512 + 512).reduce((s, x, j) => s + x * v[b * 512 + j]!, 0)
  console.log(cos(2, 0), cos(2, 1))
}, 60000)
