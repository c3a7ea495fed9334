/** Counters of one A/B arm, in `GET /metrics`. */
export interface ArmStats {
  model: string
  users: number
  impressions: number
  clicks: number
  ctr: number
}

/** FNV-1a of a string: a stable hash for A/B assignment (same user, same arm, every process). */
export function stableHash(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * An A/B split between two models (or a model and the bandit): users fall in an arm by a stable
 * hash of their id; each list shown counts as an impression of the arm, and feedback on an item of
 * the user's last list as a click.
 */
export class Experiment {
  private readonly arms = { a: { impressions: 0, clicks: 0, users: new Set<string>() }, b: { impressions: 0, clicks: 0, users: new Set<string>() } }
  private readonly lastShown = new Map<string, Set<number>>()

  constructor(readonly models: { readonly a: string; readonly b: string }) {}

  armOf(userId: string): 'a' | 'b' {
    return stableHash(userId) % 2 === 0 ? 'a' : 'b'
  }

  /** Counts a list shown to a user. */
  shown(userId: string, items: Int32Array): void {
    const s = this.arms[this.armOf(userId)]
    s.impressions++
    s.users.add(userId)
    this.lastShown.set(userId, new Set(items))
  }

  /** Counts feedback; a click when it hits an item of the user's last list (once per item). */
  feedback(userId: string, item: number): void {
    const shown = this.lastShown.get(userId)
    if (!shown?.has(item)) return
    this.arms[this.armOf(userId)].clicks++
    shown.delete(item)
  }

  stats(): { a: ArmStats; b: ArmStats } {
    const arm = (x: 'a' | 'b'): ArmStats => {
      const s = this.arms[x]
      return { model: this.models[x], users: s.users.size, impressions: s.impressions, clicks: s.clicks, ctr: s.impressions ? s.clicks / s.impressions : 0 }
    }
    return { a: arm('a'), b: arm('b') }
  }
}
