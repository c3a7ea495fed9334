import { RecForgeError, type ModelArtifacts, type ScoredItems } from '@recforge/core'
import { restorePolicyState, savePolicyState, type BanditPolicy } from '@recforge/rl'

/**
 * An online bandit served beside the models: its candidates are the top items of a base model for
 * the user, it picks the list one item at a time with `policy.select`, and it learns with
 * `policy.update` from feedback: reward 1 when the user acts on an item it showed, reward 0 for
 * the items of a list that got no feedback before the user's next bandit list.
 */
export interface BanditServing {
  /** The name requests use (`?model=<name>`). Defaults to `'bandit'`. */
  name?: string
  policy: BanditPolicy
  /** The model whose top items are the candidates. Defaults to the default model. */
  base?: string
  /** How many of the base model's top items the policy chooses among. Defaults to `50`. */
  candidates?: number
}

/** Counters of the served bandit, in `GET /metrics`. */
export interface BanditStats {
  name: string
  policy: string
  base: string
  /** Items shown in bandit lists. */
  impressions: number
  /** Feedback events on items a bandit list showed (reward 1). */
  clicks: number
  ctr: number
  /** `policy.update` calls, rewards 1 and 0 together. */
  updates: number
}

/** The bandit as the service runs it: lists, rewards, counters and its saved state. */
export class ServedBandit {
  readonly name: string
  readonly policy: BanditPolicy
  readonly base?: string
  readonly candidates: number
  impressions = 0
  clicks = 0
  updates = 0
  /** Per user: the candidates of the last bandit list and the shown items still without feedback. */
  private readonly shown = new Map<number, { candidates: Int32Array; pending: Set<number> }>()

  constructor(b: BanditServing) {
    this.name = b.name ?? 'bandit'
    this.policy = b.policy
    if (b.base !== undefined) this.base = b.base
    this.candidates = b.candidates ?? 50
    if (!Number.isInteger(this.candidates) || this.candidates < 1) throw new RecForgeError('INVALID_ARGUMENT', `bandit candidates must be a positive integer; got ${b.candidates}`)
  }

  /**
   * The bandit's list: the items of the user's previous bandit list that got no feedback earn
   * reward 0, then the policy picks `k` of the base model's candidates one at a time. Scores are
   * the base model's.
   */
  list(u: number, history: readonly number[], pool: ScoredItems, k: number): ScoredItems {
    this.settle(u)
    const candidates = pool.items.slice(0, this.candidates)
    const baseScore = new Map<number, number>()
    pool.items.forEach((i, j) => baseScore.set(i, pool.scores[j]!))
    const recent = Int32Array.from(history.slice(-20))
    let remaining = candidates
    const items: number[] = []
    while (items.length < k && remaining.length) {
      const i = this.policy.select({ candidates: remaining, user: u, history: recent })
      items.push(i)
      remaining = remaining.filter((x) => x !== i)
    }
    this.impressions += items.length
    this.shown.set(u, { candidates, pending: new Set(items) })
    return { items: Int32Array.from(items), scores: Float32Array.from(items, (i) => baseScore.get(i) ?? 0) }
  }

  /** Feedback of user `u` on item `i`: reward 1 when the user's last bandit list showed it. */
  feedback(u: number, i: number): void {
    const shown = this.shown.get(u)
    if (!shown?.pending.has(i)) return
    this.reward(u, shown, i, 1)
    this.clicks++
  }

  /** Forgets the lists awaiting rewards (user indices change with a new generation). */
  forgetShown(): void {
    this.shown.clear()
  }

  /** Gives reward 0 to every item of the user's last bandit list that got no feedback. */
  private settle(u: number): void {
    const shown = this.shown.get(u)
    if (!shown) return
    for (const i of shown.pending) this.reward(u, shown, i, 0)
    this.shown.delete(u)
  }

  private reward(u: number, shown: { candidates: Int32Array; pending: Set<number> }, item: number, reward: number): void {
    this.policy.update({ candidates: shown.candidates, user: u }, item, reward)
    this.updates++
    shown.pending.delete(item)
  }

  /** The learned state and counters as artifacts. */
  state(): ModelArtifacts {
    return savePolicyState(this.policy, { impressions: this.impressions, clicks: this.clicks, updates: this.updates })
  }

  /**
   * Puts back a state from {@link ServedBandit.state}.
   *
   * @throws RecForgeError INVALID_ARGUMENT for another policy's state; DIMENSION_MISMATCH / PARSE_ERROR for a state that does not fit.
   */
  restore(state: ModelArtifacts): void {
    restorePolicyState(this.policy, state)
    const count = (k: string) => {
      const v = state.meta?.[k]
      return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0
    }
    this.impressions = count('impressions')
    this.clicks = count('clicks')
    this.updates = count('updates')
  }

  stats(base: string): BanditStats {
    return { name: this.name, policy: this.policy.name, base, impressions: this.impressions, clicks: this.clicks, ctr: this.impressions ? this.clicks / this.impressions : 0, updates: this.updates }
  }
}
