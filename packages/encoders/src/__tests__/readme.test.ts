import { expect, it } from 'vitest'
import { fromCoo, rangeVocabulary, type ModelDefinition, type ParamSchema } from '@recforge/core'
import { describeReadmeParams } from '@recforge/core/testing'
import { CachedEncoder, EmbeddingCache, HASHING_PARAMS, TFIDF_PARAMS, userVectorsFromItems } from '../index'
import { TRANSFORMERS_IMAGE_PARAMS, TRANSFORMERS_TEXT_PARAMS } from '../transformers/index'
import { USE_PARAMS, loadUniversalSentenceEncoder } from '../use/index'

// The README's parameter tables, one per encoder schema. describeReadmeParams reads only a
// definition's name (the table's marker) and params, so the schemas go in under those two.
const tables: Record<string, ParamSchema> = {
  tfidf: TFIDF_PARAMS,
  hashing: HASHING_PARAMS,
  use: USE_PARAMS,
  'transformers-text': TRANSFORMERS_TEXT_PARAMS,
  'transformers-image': TRANSFORMERS_IMAGE_PARAMS,
}
describeReadmeParams(
  new URL('../../README.md', import.meta.url),
  Object.entries(tables).map(([name, params]) => ({ name, params }) as unknown as ModelDefinition),
)

// The README example, with an in-memory cache so the test leaves nothing behind.
it('runs the README example: the heist query is nearer the heist film, the user vector is their liked item', async () => {
  const use = new CachedEncoder(await loadUniversalSentenceEncoder(), { cache: new EmbeddingCache({ dir: false }) })
  const items = await use.encode(['Heat (1995). Genres: Action, Crime. Tags: heist, bank robbery', 'Notting Hill (1999). Genres: Comedy, Romance. Tags: london, bookshop'])
  const query = await use.encode(['a clever bank robbery'])
  const dot = (i: number) => query.reduce((s, x, j) => s + x * items[i * use.dimensions + j]!, 0)
  expect(dot(0)).toBeGreaterThan(dot(1))
  const liked = fromCoo({ users: rangeVocabulary(1), items: rangeVocabulary(2), userIdx: Int32Array.of(0), itemIdx: Int32Array.of(0), values: Float32Array.of(5) })
  const users = userVectorsFromItems(liked, items, use.dimensions)
  const d = use.dimensions
  let uv = 0
  let uu = 0
  let vv = 0
  for (let j = 0; j < d; j++) {
    uv += users[j]! * items[j]!
    uu += users[j]! * users[j]!
    vv += items[j]! * items[j]!
  }
  expect(uu).toBeCloseTo(1, 5)
  expect(uv / Math.sqrt(uu * vv)).toBeCloseTo(1, 5)
  await use.dispose()
}, 60_000)
