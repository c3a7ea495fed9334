/** How {@link ModelUpdates} paces the updates it holds. */
export interface ModelUpdateOptions {
  /** Longest run of updates between two turns of the event loop, in milliseconds. Defaults to `2`. */
  sliceMs?: number
  /**
   * Share of the time updates take while writes keep arriving (between 0 and 1); with no write
   * since the last slice they run back to back. Defaults to `0.1`.
   */
  share?: number
  /**
   * Once the oldest held update is this old (milliseconds), updates run back to back until it is
   * younger again, slowing writes down instead of falling further behind. Defaults to `10000`.
   */
  maxDelayMs?: number
}

interface PendingUser {
  items: number[]
  values: number[]
  /** When the oldest of these events arrived (`performance.now()`). */
  since: number
}

/**
 * Model updates from live feedback, held per user and applied off the acknowledgement path.
 *
 * Refitting a user (ALS solves the user's least squares again) costs far more than storing the
 * event, so a write is acknowledged once it is stored and in the user's history, and the user's
 * model update waits here: events of one user that arrive before their update runs are merged
 * into it (one refit for many events), and updates run in the background in arrival order,
 * in short slices that leave most of the event loop to requests. A read of a user first applies
 * that user's update ({@link ModelUpdates.settle}), so a user always sees their own events.
 * Nothing here needs to be durable: the events are in the log, and a restart replays them.
 */
export class ModelUpdates {
  private readonly pending = new Map<number, PendingUser>()
  private timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined
  private addsSinceSlice = 0
  private readonly sliceMs: number
  private readonly share: number
  private readonly maxDelayMs: number
  private applied = 0

  constructor(
    private readonly apply: (user: number, items: Int32Array, values: Float32Array) => void,
    opts: ModelUpdateOptions = {},
  ) {
    this.sliceMs = opts.sliceMs ?? 2
    this.share = Math.min(1, Math.max(0.01, opts.share ?? 0.1))
    this.maxDelayMs = opts.maxDelayMs ?? 10_000
  }

  /** Updates held. */
  get size(): number {
    return this.pending.size
  }

  /** Milliseconds the oldest held update has waited (0 when none). */
  get lagMs(): number {
    const first = this.pending.values().next()
    return first.done ? 0 : performance.now() - first.value.since
  }

  /** User updates applied so far (a merged update counts once). */
  get appliedCount(): number {
    return this.applied
  }

  /** Holds new events of user `u` for its next update. */
  add(u: number, items: readonly number[], values: readonly number[]): void {
    let p = this.pending.get(u)
    if (!p) this.pending.set(u, (p = { items: [], values: [], since: performance.now() }))
    p.items.push(...items)
    p.values.push(...values)
    this.addsSinceSlice++
    this.schedule(false)
  }

  /** Applies user `u`'s held update now (before a read of that user). */
  settle(u: number): void {
    const p = this.pending.get(u)
    if (!p) return
    this.pending.delete(u)
    this.run(u, p)
  }

  /** Applies every held update now. */
  settleAll(): void {
    for (const [u, p] of [...this.pending]) {
      this.pending.delete(u)
      this.run(u, p)
    }
  }

  /** Drops every held update (the models they were meant for are gone, e.g. after a swap that replays the live events). */
  clear(): void {
    this.pending.clear()
  }

  /** Stops the background updates (held ones stay until settled or cleared). */
  close(): void {
    this.cancel()
  }

  private run(u: number, p: PendingUser): void {
    this.applied++
    this.apply(u, Int32Array.from(p.items), Float32Array.from(p.values))
  }

  private cancel(): void {
    if (this.timer === undefined) return
    clearTimeout(this.timer as ReturnType<typeof setTimeout>)
    clearImmediate(this.timer as ReturnType<typeof setImmediate>)
    this.timer = undefined
  }

  private schedule(now: boolean, gapMs = 0): void {
    if (this.timer !== undefined || !this.pending.size) return
    const slice = () => {
      this.timer = undefined
      this.slice()
    }
    this.timer = now ? setImmediate(slice) : setTimeout(slice, gapMs)
    this.timer.unref?.()
  }

  /** One background slice: oldest first, for about `sliceMs`, longer while behind `maxDelayMs`. */
  private slice(): void {
    const busy = this.addsSinceSlice > 0
    this.addsSinceSlice = 0
    const t0 = performance.now()
    for (const [u, p] of this.pending) {
      const t = performance.now()
      if (t - t0 >= this.sliceMs && t - p.since < this.maxDelayMs) break
      // behind: keep going, but turn the event loop at least every 50 ms
      if (t - t0 >= 50) break
      this.pending.delete(u)
      this.run(u, p)
    }
    const took = performance.now() - t0
    // while writes arrive and the oldest update is not overdue, leave writes (1 - share) of the
    // time; otherwise go on after the next turn of the event loop
    if (busy && this.lagMs < this.maxDelayMs) this.schedule(false, Math.max(1, (took * (1 - this.share)) / this.share))
    else this.schedule(true)
  }
}
