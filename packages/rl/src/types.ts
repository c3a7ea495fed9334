import type { Interactions, Vocabulary } from '@recforge/core'

/** What a policy sees when it must choose: the candidate items and, when known, who is asking. */
export interface BanditContext {
  /** Candidate items (arms) by item index; the policy picks one of them. */
  readonly candidates: Int32Array
  /** The user index, when known (contextual policies use it). */
  readonly user?: number
  /** Row-major `candidates.length × d` features, when the caller computes them; overrides a policy's own item vectors. */
  readonly features?: Float32Array
  /** Items the user consumed recently, most recent last (sequential policies use it). */
  readonly history?: Int32Array
}

/**
 * An online recommendation policy: `select` picks one candidate, `update` learns from the reward
 * the chosen item earned. The reference app calls both on live feedback.
 */
export interface BanditPolicy {
  /** The registry name, e.g. `linucb`. */
  readonly name: string
  /** Picks one item of `context.candidates`. */
  select(context: BanditContext): number
  /** Learns from the reward (usually 0/1, or a rating scaled to [0, 1]) that `item` earned in `context`. */
  update(context: BanditContext, item: number, reward: number): void
  /** The probability of choosing each candidate, when the policy can say (used by IPS and DR estimates). */
  probabilities?(context: BanditContext): Float64Array
  /** What the policy has learned (counts, sums, ridge matrices) and its random stream, as named arrays. */
  getState?(): Record<string, Float64Array>
  /** Restores {@link BanditPolicy.getState} output into a policy built with the same options. */
  setState?(state: Readonly<Record<string, Float64Array>>): void
}

/**
 * Logged bandit feedback: events in time order, each with a candidate set, the item the logging
 * policy showed, its propensity and the reward; CSR arrays, one row of candidates per event.
 */
export interface LoggedEvents {
  readonly users: Vocabulary
  readonly items: Vocabulary
  /** Number of events. */
  readonly length: number
  /** User index per event. */
  readonly user: Int32Array
  /** Event time (seconds) per event. */
  readonly timestamps: Float64Array
  /** Candidates of event `e` are `candidates[candIndptr[e]..candIndptr[e+1])`. */
  readonly candIndptr: Int32Array
  readonly candidates: Int32Array
  /** The item the logging policy showed, per event. */
  readonly shown: Int32Array
  /** The logging policy's probability of showing that item, per event. */
  readonly propensity: Float64Array
  /** Reward of the shown item, per event. */
  readonly reward: Float32Array
  /** Reward of every candidate, aligned with `candidates`, when known (full-information logs and simulations). */
  readonly candidateRewards?: Float32Array
  /** Interactions that happened before the first event (for fitting features without touching the events). */
  readonly warmup?: Interactions
}
