// The work of the third page, shared with the Node side of the test: data's synthetic generator and
// split, baselines, BPR (mf), metrics and bandits (rl), all on one thread in a page without
// cross-origin isolation.
import { generateSynthetic, splitProtocol } from '@recforge/data'
import { EASE, ItemKNN, Popularity } from '@recforge/baselines'
import { BPR } from '@recforge/mf'
import { evaluateSplit } from '@recforge/metrics'
import { buildLoggedDataset, onlineRun, replayEvaluate, ThompsonSampling, UCB1 } from '@recforge/rl'
import type { Recommender } from '@recforge/core'

export async function portableRun(bpr: { wasm?: boolean; threads?: number } = {}) {
  const ds = generateSynthetic('small', { seed: 11 })
  const split = splitProtocol(ds, 'holdout-full', { seed: 11 })[0]!
  const models: [string, Recommender<object>][] = [
    ['pop', new Popularity()],
    ['itemknn', new ItemKNN({ neighbors: 50 })],
    ['ease', new EASE({ lambda: 200 })],
    ['bpr', new BPR({ factors: 16, epochs: 5, seed: 4, ...bpr })],
  ]
  const evaluated: Record<string, { metrics: Record<string, number>; top: number[] }> = {}
  for (const [name, model] of models) {
    await model.fit(split.train, { seed: 4 })
    const r = evaluateSplit(model, split, { k: 10 })
    evaluated[name] = { metrics: r.metrics, top: Array.from(model.recommend(0, { k: 10, excludeSeen: true }).items) }
  }
  const events = buildLoggedDataset(split.train, { seed: 5, candidates: 8 })
  const replay = replayEvaluate(new ThompsonSampling({ seed: 6 }), events)
  const online = onlineRun(new UCB1({ seed: 6 }), events, { curvePoints: 10 })
  return { interactions: ds.interactions.indptr[ds.interactions.users.size]!, evaluated, replay: { ctr: replay.ctr, eventsUsed: replay.eventsUsed }, online: { regret: online.regret, meanReward: online.meanReward } }
}
