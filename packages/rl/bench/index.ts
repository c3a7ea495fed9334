// Bandits on a logged dataset built from ml-latest-small (replay CTR, online regret) and the DQN
// policy in a simulator fitted from the same ratings.
// Run from the repository root: flock /tmp/recforge-bench.lock pnpm --filter @recforge/rl bench
import { readFileSync } from 'node:fs'
import { InteractionsBuilder, type Interactions } from '@recforge/core'
import { runSuite, type BenchCase } from '@recforge/bench'
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

const RATINGS = process.env.RECFORGE_ML_SMALL ?? '/work/shared/data/ml-latest-small/ratings.csv'

function loadRatings(file: string): Interactions {
  const lines = readFileSync(file, 'utf8').split('\n')
  const b = new InteractionsBuilder({ timestamps: true, capacity: lines.length })
  for (let l = 1; l < lines.length; l++) {
    const line = lines[l]!
    if (!line) continue
    const [u, i, r, t] = line.split(',')
    b.push(u!, i!, Number(r), Number(t))
  }
  return b.build()
}

const data = loadRatings(RATINGS)
const events = buildLoggedDataset(data, { seed: 42, candidates: 10, warmupFraction: 0.2 })
let clicks = 0
for (const r of events.reward) clicks += r

const bandit = (name: string): BenchCase => ({
  name: `${name}: replay + online run over ${events.length} events`,
  repeat: 3,
  warmup: 0,
  run: () => {
    const replay = replayEvaluate(createPolicy(name, {}, { events }), events)
    const online = onlineRun(createPolicy(name, {}, { events }), events, { curvePoints: 4 })
    const c = online.curve.regret
    return {
      replayCtr: replay.ctr,
      eventsUsed: replay.eventsUsed,
      onlineMeanReward: online.meanReward,
      'regret@25%': c[0]!,
      'regret@50%': c[1]!,
      'regret@75%': c[2]!,
      'regret@100%': c[3]!,
    }
  },
})

// The simulator: biased MF fitted on every rating; click probability σ(2 (r̂ − 3.5)), no repeats.
const userModel = fitRewardModel(data, { factors: 16, epochs: 20, seed: 42 })
const simOpts = { candidates: 20, sessionLength: 10 }
/** A myopic reference that knows the user model: shows the highest click probability. */
const oracle: BanditPolicy = {
  name: 'oracle',
  select: (c: BanditContext) => {
    let best = c.candidates[0]!
    let bp = -1
    for (const i of c.candidates) {
      const p = userModel.clickProbability(c.user!, c.history ?? new Int32Array(0), i)
      if (p > bp) {
        bp = p
        best = i
      }
    }
    return best
  },
  update: () => {},
}
const EPISODES = 1000
const dqnCase: BenchCase = {
  name: `DQN (state = last 3 item factors): ${EPISODES} training sessions in the MF simulator`,
  repeat: 3,
  warmup: 0,
  run: () => {
    const dqn = new DQNPolicy({ itemVectors: userModel.itemFactors, dimensions: userModel.factors, hidden: 64, seed: 1 })
    trainDQN(dqn, new SessionSimulator(userModel, { ...simOpts, seed: 7 }), { episodes: EPISODES })
    dqn.epsilon = 0
    return {
      dqnReward: evaluateInSimulator(dqn, new SessionSimulator(userModel, { ...simOpts, seed: 99 }), 300),
      randomReward: evaluateInSimulator(new RandomPolicy({ seed: 1 }), new SessionSimulator(userModel, { ...simOpts, seed: 99 }), 300),
      oracleReward: evaluateInSimulator(oracle, new SessionSimulator(userModel, { ...simOpts, seed: 99 }), 300),
    }
  },
}

await runSuite('rl', [...rlPolicies.map((p) => bandit(p.name)), dqnCase], {
  command: 'flock /tmp/recforge-bench.lock pnpm --filter @recforge/rl bench',
  notes: [
    `Logged dataset: buildLoggedDataset(ml-latest-small, { seed: 42, candidates: 10, warmupFraction: 0.2 }) = ${events.length} events, logging CTR ${(clicks / events.length).toFixed(4)} (uniform logging policy).`,
    'replayCtr/eventsUsed: replay estimate (Li et al. 2011), the policy learning on matched events. regret@x%: cumulative regret against the best candidate after x% of the events, the policy choosing at every event (full-information log, bandit feedback).',
    'linucb and lints use user and item factors of a 16-factor MF fitted on the warm-up ratings (the earliest 20%), features [item, user ⊙ item, 1]; all policies with registry defaults.',
    'DQN row: mean reward per step over 300 greedy evaluation sessions (20 candidates, 10 steps) in the simulator fitted on all ratings (click probability σ(2 (r̂ − 3.5)), no repeats), against random and a myopic oracle that reads the user model.',
    'Medians of 3 runs on the shared 2-core machine while other jobs ran: times are indicative only.',
  ],
})
