import { randomBytes } from 'node:crypto'
import { RecForgeError } from '@recforge/core'
import type { Query, SqlStore } from './sql'

/** What the service writes to the log: a feedback event, or a user created through `POST /users`. */
export type LogRecord =
  | { kind: 'feedback'; user: string; item: string; value: number; event?: string; timestamp?: number }
  | { kind: 'user'; user: string; text?: string }

/** A record as stored: its place in the log and the instance that wrote it. */
export type StoredRecord = LogRecord & { readonly seq: number; readonly origin: string }

/**
 * The durable log of everything the service acknowledged. `append` resolves only once the records
 * are committed; records get increasing sequence numbers, and a model generation says up to which
 * number its training data goes, so a restart replays exactly the records after it.
 */
export interface EventLog {
  /** Names this process in the records it writes. */
  readonly origin: string
  /** Where the records live, for messages. */
  readonly where: string
  /**
   * Stores the records of one request in one transaction, all or none.
   *
   * @throws RecForgeError INVALID_ARGUMENT (`duplicate`) when a `user` record names a user created before.
   */
  append(records: readonly LogRecord[]): Promise<StoredRecord[]>
  /** Up to `limit` records with a sequence number above `after`, in order. */
  read(after: number, limit: number): Promise<StoredRecord[]>
  /** The highest sequence number committed, once every write in flight has finished. */
  snapshot(): Promise<number>
  /** Feedback records stored in all. */
  countFeedback(): Promise<number>
  /**
   * Deletes every record of these users (their feedback and their creation), after the writes in
   * flight are committed, durably; returns how many records went. Sequence numbers are not reused.
   */
  eraseUsers(users: readonly string[]): Promise<number>
  /** Resolves when every append made so far has been committed (or failed). */
  flush(): Promise<void>
  close(): Promise<void>
}

/** A `user` record for a user that already exists (the unique index of `recforge_events`, or the memory log's check). */
export class DuplicateUserError extends RecForgeError {
  constructor(readonly user: string) {
    super('INVALID_ARGUMENT', `user "${user}" already exists`)
  }
}

/** A short random name for this process's records. */
export function newOrigin(): string {
  return `${process.pid.toString(36)}-${randomBytes(4).toString('hex')}`
}

interface Pending {
  records: readonly LogRecord[]
  resolve: (stored: StoredRecord[]) => void
  reject: (e: unknown) => void
}

/** Most rows one commit carries; larger queues are split. */
const MAX_ROWS_PER_COMMIT = 20_000

/**
 * Refuses what a log cannot store as given: text with a NUL character (PostgreSQL text cannot hold
 * one) and numbers that are not finite. Every log checks this before queuing, so one bad request
 * never reaches (and never fails) a shared commit.
 *
 * @throws RecForgeError INVALID_ARGUMENT naming the record and field.
 */
export function checkStorable(records: readonly LogRecord[]): void {
  records.forEach((r, j) => {
    for (const [field, v] of Object.entries(r)) {
      if (typeof v === 'string' && v.includes('\0')) throw new RecForgeError('INVALID_ARGUMENT', `record ${j}: ${field} contains a NUL character, which cannot be stored`)
      if (typeof v === 'number' && !Number.isFinite(v)) throw new RecForgeError('INVALID_ARGUMENT', `record ${j}: ${field} is ${v}; only finite numbers can be stored`)
    }
  })
}

/**
 * A SQL literal. Text is written as an escape string (`E'...'`) with every backslash and quote
 * doubled, which reads the same whatever `standard_conforming_strings` says (no server setting
 * or connection option to rely on, so it also works through poolers that refuse startup
 * options); both drivers speak UTF-8, where no multi-byte character contains a quote or a
 * backslash byte.
 */
function literal(v: string | number | undefined): string {
  if (v === undefined) return 'NULL'
  // checkStorable has refused NUL and non-finite numbers
  if (typeof v === 'number') return String(v)
  return `E'${v.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
}

/**
 * One multi-row INSERT with the values inline: about half the time of binding eight array
 * parameters on PGlite, where each statement runs on the event loop.
 */
function insertSql(records: readonly LogRecord[], origin: string, walPosition: string | undefined): string {
  const o = literal(origin)
  const rows = records.map((r) =>
    r.kind === 'feedback'
      ? `('feedback',${literal(r.user)},${literal(r.item)},${literal(r.value)},${literal(r.event)},${literal(r.timestamp)},NULL,${o})`
      : `('user',${literal(r.user)},NULL,NULL,NULL,NULL,${literal(r.text)},${o})`,
  )
  return `INSERT INTO recforge_events (kind, user_id, item_id, value, event, ts, info, origin) VALUES ${rows.join(',')} RETURNING seq::float8 AS seq${walPosition ? `, ${walPosition} AS wal` : ''}`
}

const SELECT = 'SELECT seq::float8 AS seq, kind, user_id, item_id, value, event, ts, info, origin FROM recforge_events'

interface EventRow {
  seq: number
  kind: string
  user_id: string
  item_id: string | null
  value: number | null
  event: string | null
  ts: number | null
  info: string | null
  origin: string
}

function fromRow(r: EventRow): StoredRecord {
  if (r.kind === 'user') return { seq: r.seq, origin: r.origin, kind: 'user', user: r.user_id, ...(r.info !== null ? { text: r.info } : {}) }
  return {
    seq: r.seq,
    origin: r.origin,
    kind: 'feedback',
    user: r.user_id,
    item: r.item_id ?? '',
    value: r.value ?? 0,
    ...(r.event !== null ? { event: r.event } : {}),
    ...(r.ts !== null ? { timestamp: r.ts } : {}),
  }
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505'
}

/**
 * The event log in SQL ({@link SqlStore}): PGlite in the model folder or a PostgreSQL server.
 *
 * Group commit: while one transaction is being committed, new appends queue up; the next
 * transaction then stores all of them with one multi-row INSERT and one sync, and each append
 * resolves when the transaction holding its records has committed. Under load a commit carries
 * about as many requests as are in flight, so durability costs one commit per batch, not per
 * event. A batch that fails (a duplicate user) is retried one request per transaction, so one
 * request's failure never fails another's.
 */
export class SqlEventLog implements EventLog {
  readonly where: string
  private queue: Pending[] = []
  private draining: Promise<void> | undefined

  constructor(
    private readonly store: SqlStore,
    readonly origin: string = newOrigin(),
  ) {
    this.where = store.kind === 'embedded' ? `the embedded store in ${store.where}` : `the PostgreSQL server ${store.where}`
  }

  append(records: readonly LogRecord[]): Promise<StoredRecord[]> {
    if (records.length === 0) return Promise.resolve([])
    try {
      checkStorable(records)
    } catch (e) {
      return Promise.reject(e)
    }
    return new Promise<StoredRecord[]>((resolve, reject) => {
      this.queue.push({ records, resolve, reject })
      this.draining ??= this.drain().finally(() => (this.draining = undefined))
    })
  }

  /**
   * Commits the queue batch by batch. The sync that makes a batch durable runs while the next
   * batch is inserted (one sync covers every commit before it), and batches are acknowledged in
   * order, each only after its sync.
   */
  private async drain(): Promise<void> {
    let acknowledged: Promise<void> = Promise.resolve()
    for (;;) {
      if (!this.queue.length) {
        // appends that arrive while the last batch syncs are taken before draining ends
        await acknowledged
        if (!this.queue.length) return
      }
      const batch: Pending[] = []
      let rows = 0
      while (this.queue.length && (batch.length === 0 || rows + this.queue[0]!.records.length <= MAX_ROWS_PER_COMMIT)) {
        const p = this.queue.shift()!
        batch.push(p)
        rows += p.records.length
      }
      let stored: StoredRecord[]
      let wal: string | undefined
      try {
        ;({ stored, wal } = await this.insert(batch.flatMap((p) => p.records)))
      } catch (e) {
        await acknowledged
        if (batch.length === 1) batch[0]!.reject(this.explain(e, batch[0]!.records))
        else
          for (const p of batch) {
            try {
              const one = await this.insert(p.records)
              await this.store.sync(one.wal)
              p.resolve(one.stored)
            } catch (e2) {
              p.reject(this.explain(e2, p.records))
            }
          }
        continue
      }
      const previous = acknowledged
      const synced = this.store.sync(wal)
      acknowledged = previous.then(async () => {
        try {
          await synced
        } catch (e) {
          for (const p of batch) p.reject(this.explain(e, p.records))
          return
        }
        let o = 0
        for (const p of batch) {
          p.resolve(stored.slice(o, o + p.records.length))
          o += p.records.length
        }
      })
      // at most one batch waits for its sync while the next one is inserted
      await previous
    }
  }

  private explain(e: unknown, records: readonly LogRecord[]): unknown {
    if (isUniqueViolation(e)) {
      const user = records.find((r) => r.kind === 'user')?.user ?? ''
      return new DuplicateUserError(user)
    }
    if (e instanceof RecForgeError) return e
    return new RecForgeError('IO_ERROR', `could not store ${records.length} record(s) in ${this.where}: ${(e as Error).message}`, { cause: e })
  }

  /**
   * Inserts records in one statement (committed, not yet synced). `wal`: the log position after
   * the last row (rows come back in the order inserted), for the store's sync.
   */
  private async insert(records: readonly LogRecord[]): Promise<{ stored: StoredRecord[]; wal: string | undefined }> {
    const rows = await this.store.query<{ seq: number; wal?: string }>(insertSql(records, this.origin, this.store.walPosition))
    const wal = rows.at(-1)?.wal
    const seqs = rows.map((r) => r.seq).sort((a, b) => a - b)
    return { stored: records.map((r, j) => ({ ...r, seq: seqs[j]!, origin: this.origin })), wal }
  }

  async read(after: number, limit: number): Promise<StoredRecord[]> {
    return (await this.store.query<EventRow & Record<string, unknown>>(`${SELECT} WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, limit])).map(fromRow)
  }

  /**
   * Reads the records after `after` that are committed, with no gap: under a SHARE lock, which
   * waits for the inserts in flight (on the server, another instance's commit may take a lower
   * sequence number and land later).
   */
  async readCommitted(after: number, limit: number): Promise<StoredRecord[]> {
    return this.store.transaction(async (q: Query) => {
      if (this.store.shared) await q('LOCK TABLE recforge_events IN SHARE MODE')
      return (await q<EventRow & Record<string, unknown>>(`${SELECT} WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, limit])).map(fromRow)
    })
  }

  async snapshot(): Promise<number> {
    return this.store.transaction(async (q: Query) => {
      if (this.store.shared) await q('LOCK TABLE recforge_events IN SHARE MODE')
      const [row] = await q<{ n: number | null }>('SELECT max(seq)::float8 AS n FROM recforge_events')
      return row?.n ?? 0
    })
  }

  async countFeedback(): Promise<number> {
    const [row] = await this.store.query<{ n: number }>("SELECT count(*)::float8 AS n FROM recforge_events WHERE kind = 'feedback'")
    return row?.n ?? 0
  }

  async eraseUsers(users: readonly string[]): Promise<number> {
    if (!users.length) return 0
    await this.flush()
    const [row] = await this.store.query<{ n: number }>('WITH gone AS (DELETE FROM recforge_events WHERE user_id = ANY($1::text[]) RETURNING 1) SELECT count(*)::float8 AS n FROM gone', [[...users]])
    await this.store.sync()
    // a DELETE only marks rows dead; in the model folder's own store the table is rewritten so their
    // bytes leave its files (a server's operator runs VACUUM FULL when they need the same)
    if (row?.n && this.store.kind === 'embedded') {
      await this.store.query('VACUUM FULL recforge_events')
      await this.store.query('CHECKPOINT')
    }
    return row?.n ?? 0
  }

  async flush(): Promise<void> {
    while (this.draining) await this.draining
  }

  async close(): Promise<void> {
    await this.flush()
  }
}

/**
 * An event log in memory, for tests and one-shot commands: the same contract as
 * {@link SqlEventLog}, nothing survives the process.
 */
export class MemoryEventLog implements EventLog {
  readonly where = 'memory'
  readonly origin = newOrigin()
  private records: StoredRecord[] = []
  private readonly created = new Set<string>()
  private last = 0

  async append(records: readonly LogRecord[]): Promise<StoredRecord[]> {
    checkStorable(records)
    const users = records.filter((r) => r.kind === 'user').map((r) => r.user)
    for (const u of users) if (this.created.has(u) || users.indexOf(u) !== users.lastIndexOf(u)) throw new DuplicateUserError(u)
    for (const u of users) this.created.add(u)
    const out: StoredRecord[] = records.map((r) => ({ ...r, seq: ++this.last, origin: this.origin }))
    this.records.push(...out)
    return out
  }

  async read(after: number, limit: number): Promise<StoredRecord[]> {
    const from = this.records.findIndex((r) => r.seq > after)
    return from < 0 ? [] : this.records.slice(from, from + limit)
  }

  async snapshot(): Promise<number> {
    return this.last
  }

  async eraseUsers(users: readonly string[]): Promise<number> {
    const gone = new Set(users)
    const before = this.records.length
    this.records = this.records.filter((r) => !gone.has(r.user))
    for (const u of gone) this.created.delete(u)
    return before - this.records.length
  }

  async countFeedback(): Promise<number> {
    return this.records.filter((r) => r.kind === 'feedback').length
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
