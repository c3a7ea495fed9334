// The work of the GMF page, shared with the Node side of the test.
import { plantedFixture } from '@recforge/core'
import { GMF } from '@recforge/ncf'

export async function gmfRun() {
  const { train, heldOut } = plantedFixture({ clusters: 4, itemsPerCluster: 8, usersPerCluster: 6 })
  const model = new GMF({ factors: 8, epochs: 30, batchSize: 64, learningRate: 0.01, seed: 5 })
  await model.fit(train, { seed: 5 })
  let first = 0
  const scores: number[] = []
  for (let u = 0; u < train.users.size; u++) {
    const rec = model.recommend(u, { k: 3, excludeSeen: true })
    if (rec.items[0] === heldOut[u]) first++
    scores.push(rec.scores[0]!)
  }
  const losses = (model.lastFit?.history ?? []).map((h) => h['loss'] ?? Number.NaN)
  return { users: train.users.size, heldOutFirst: first, losses, scores, fitBackend: model.lastFit?.backend ?? '' }
}
