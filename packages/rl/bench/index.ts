// Bandits on a logged dataset built from ml-latest-small (replay CTR, cumulative regret at several
// horizons) and the DQN policy in a simulator fitted from the same ratings.
// Run from the repository root: flock /tmp/recforge-bench.lock pnpm --filter @recforge/rl bench
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runSuite, type BenchCase } from '@recforge/bench'
import { loadMovieLensLatest } from '@recforge/data'
import {
  buildLoggedDataset,
  createPolicy,
  DQNPolicy,
  evaluateInSimulator,
  fitRewardModel,
  onlineRun,
  RandomPolicy,
  replayEvaluate,
  rlPolicies,
  SessionSimulator,
  trainDQN,
  type BanditContext,
  type BanditPolicy,
} from '../src/index'

const here = path.dirname(fileURLToPath(import.meta.url))
const dataDir = process.env.ML_LATEST_SMALL ?? path.resolve(here, '../../../../shared/data/ml-latest-small')
const ds = await loadMovieLensLatest(dataDir)
const data = ds.interactions
const events = buildLoggedDataset(data, { seed: 42, candidates: 10, warmupFraction: 0.2 })
let clicks = 0
for (const r of events.reward) clicks += r
let bestSum = 0
for (let e = 0; e < events.length; e++) {
  let best = 0
  for (let k = events.candIndptr[e]!; k < events.candIndptr[e + 1]!; k++) best = Math.max(best, events.candidateRewards![k]!)
  bestSum += best
}

// Cumulative regret after these many events (log-spaced, then the whole log).
const HORIZONS = [1_000, 4_000, 16_000, 64_000].filter((h) => h < events.length)
const label = (h: number) => (h % 1000 === 0 ? `${h / 1000}k` : String(h))

const bandit = (name: string): BenchCase => ({
  name: `${name}: replay + online run over ${events.length} events`,
  repeat: 3,
  warmup: 0,
  run: () => {
    const replay = replayEvaluate(createPolicy(name, {}, { events }), events)
    const online = onlineRun(createPolicy(name, {}, { events }), events, { curvePoints: events.length })
    const regret = Object.fromEntries(HORIZONS.map((h) => [`regret@${label(h)}`, online.curve.regret[h - 1]!]))
    return { replayCtr: replay.ctr, eventsUsed: replay.eventsUsed, onlineMeanReward: online.meanReward, ...regret, [`regret@${events.length}`]: online.regret }
  },
})

// The simulator: biased MF fitted on every rating; click probability σ(2 (r̂ − 3.5)), no repeats.
const userModel = fitRewardModel(data, { factors: 16, epochs: 20, seed: 42 })
const d = userModel.factors
// DQN item vectors: the MF item factors plus the item bias (the item's share of r̂).
const D = d + 1
const itemVectors = new Float32Array(userModel.numItems * D)
for (let i = 0; i < userModel.numItems; i++) {
  itemVectors.set(userModel.itemFactors.subarray(i * d, i * d + d), i * D)
  itemVectors[i * D + d] = userModel.itemBias[i]!
}
const simOpts = { candidates: 20, sessionLength: 10 }
const greedy = (name: string, score: (c: BanditContext, i: number) => number): BanditPolicy => ({
  name,
  select: (c) => c.candidates.reduce((best, i) => (score(c, i) > score(c, best) ? i : best), c.candidates[0]!),
  update: () => {},
})
/** A myopic reference that reads the user model: shows the highest click probability. */
const oracle = greedy('oracle', (c, i) => userModel.clickProbability(c.user!, c.history ?? new Int32Array(0), i))
/** A non-personal reference: shows the candidate with the highest item bias. */
const byBias = greedy('item-bias', (_c, i) => userModel.itemBias[i]!)
const EPISODES = 1000
const EVAL_EPISODES = 300
const evalIn = (p: BanditPolicy) => evaluateInSimulator(p, new SessionSimulator(userModel, { ...simOpts, seed: 99 }), EVAL_EPISODES)

const dqnCase = (gamma: number): BenchCase => ({
  name: `DQN (gamma ${gamma}, state = last 3 item vectors, 32 hidden): ${EPISODES} training sessions in the MF simulator`,
  repeat: 1,
  warmup: 0,
  run: () => {
    const dqn = new DQNPolicy({ hidden: 32, learningRate: 0.003, gamma, seed: 1 }, { itemVectors, dimensions: D })
    const t0 = performance.now()
    trainDQN(dqn, new SessionSimulator(userModel, { ...simOpts, seed: 7 }), { episodes: EPISODES })
    const msPerEpisode = (performance.now() - t0) / EPISODES
    dqn.epsilon = 0
    return { dqnReward: evalIn(dqn), msPerEpisode }
  },
})

const referenceCase: BenchCase = {
  name: `reference policies in the MF simulator (${EVAL_EPISODES} sessions)`,
  repeat: 1,
  warmup: 0,
  run: () => ({ randomReward: evalIn(new RandomPolicy({ seed: 1 })), itemBiasReward: evalIn(byBias), oracleReward: evalIn(oracle) }),
}

await runSuite('rl', [...rlPolicies.map((p) => bandit(p.name)), dqnCase(0.5), dqnCase(0), referenceCase], {
  command: 'flock /tmp/recforge-bench.lock pnpm --filter @recforge/rl bench',
  notes: [
    `Logged dataset: buildLoggedDataset(ml-latest-small, { seed: 42, candidates: 10, warmupFraction: 0.2 }) = ${events.length} events from ${data.users.size} users and ${data.items.size} items (the earliest 20% of ratings are warm-up, not events). Reward 1 when the rating is >= 4. Logging policy uniform: logging CTR ${(clicks / events.length).toFixed(4)}; an oracle that always shows a rewarded candidate when there is one would earn ${(bestSum / events.length).toFixed(4)} per event.`,
    'replayCtr / eventsUsed: replay estimate (Li et al. 2011, what `recforge evaluate --protocol replay` reports), the policy learning on matched events only.',
    `regret@N: cumulative regret after N events against the best candidate of each event, the policy choosing at every event of the full-information log and learning from the reward of its own choice only (onlineRun); onlineMeanReward is its mean reward over all ${events.length} events.`,
    'linucb and lints use user and item factors of a 16-factor MF fitted on the warm-up ratings, features [item, user ⊙ item, 1]; every policy runs with its registry defaults (untuned).',
    `DQN rows: mean reward per step over ${EVAL_EPISODES} greedy sessions (20 random candidates, 10 steps) in the simulator fitted on all ratings (click probability σ(2 (r̂ − 3.5)), no repeats); item vectors = MF item factors + item bias; msPerEpisode is training time per session. Compare with the reference row: random, the highest item bias, and a myopic oracle that reads the user model.`,
    'Bandit rows are medians of 3 runs, DQN and reference rows single seeded runs, on the shared 2-core machine while other jobs ran: times are indicative only.',
  ],
})
