import { createHash } from 'node:crypto'
import { readdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { IdVocabulary, RecForgeError, type Interactions } from '@recforge/core'
import { SqlEventLog, type EventLog } from './eventlog'
import { currentGeneration } from './generations'
import { userIdMapperOf } from './privacy'
import { hasFolderStore, openFolderStore } from './sealedStore'
import { openServerStore, redactUrl, type SqlStore } from './sql'

/**
 * The erasure list: one row per erased user, holding a hash of the id rather than the id, so the
 * list that keeps a user out of every later answer and training set does not itself keep their id
 * in the clear. Created on first use next to the event log (both drivers).
 */
const ERASURE_TABLE = `CREATE TABLE IF NOT EXISTS recforge_erasures (
  user_hash text PRIMARY KEY,
  origin text NOT NULL,
  erased_at timestamptz NOT NULL DEFAULT clock_timestamp()
)`

const HASH_PREFIX = 'recforge/erasure/v1\n'

/** The SQL form of {@link erasureHash} over `user_id`, so the store can find an erased user's rows itself. */
const SQL_HASH = `encode(sha256(convert_to('recforge/erasure/v1' || chr(10) || user_id, 'UTF8')), 'hex')`

/** The hash an erased user is listed under (SHA-256, hex). */
export function erasureHash(user: string): string {
  return createHash('sha256').update(HASH_PREFIX).update(user, 'utf8').digest('hex')
}

/**
 * The users erased so far (`DELETE /users/:id`, `recforge forget`), kept in the event store
 * (`recforge_erasures`), or in memory for a service without one. An erased id is refused by every
 * route as unknown, cannot be used again, and is left out of every later generation's training
 * data.
 */
export class Erasures {
  private readonly hashes = new Set<string>()
  private latest = 0

  private constructor(private store: SqlStore | undefined) {}

  /**
   * The erasure list of `store` (created when missing), or one in memory without a store.
   *
   * @throws RecForgeError IO_ERROR when the store cannot be read.
   */
  static async open(store?: SqlStore): Promise<Erasures> {
    const e = new Erasures(store)
    if (store) {
      try {
        await store.query(ERASURE_TABLE)
      } catch (err) {
        throw new RecForgeError('IO_ERROR', `could not create the erasure list in ${store.where}: ${(err as Error).message}`, { cause: err })
      }
      await e.refresh()
    }
    return e
  }

  /** Stops reading the store (about to be closed): the list stays as it is now. */
  detach(): this {
    this.store = undefined
    return this
  }

  /** Users erased. */
  get size(): number {
    return this.hashes.size
  }

  /** When the last erasure happened (ms since the epoch; 0 for none). */
  get latestErasure(): number {
    return this.latest
  }

  /** Whether `user` was erased. */
  has(user: string): boolean {
    return this.hashes.size > 0 && this.hashes.has(erasureHash(user))
  }

  /** Reads erasures other processes recorded (a shared database, `recforge forget`); returns how many were new. */
  async refresh(): Promise<number> {
    if (!this.store) return 0
    const rows = await this.store.query<{ user_hash: string; at: number }>('SELECT user_hash, (extract(epoch FROM erased_at) * 1000)::float8 AS at FROM recforge_erasures')
    let added = 0
    for (const r of rows) {
      if (!this.hashes.has(r.user_hash)) added++
      this.hashes.add(r.user_hash)
      this.latest = Math.max(this.latest, r.at)
    }
    return added
  }

  /** Lists `user` as erased, durably. Returns false when it already was. */
  async record(user: string, origin: string): Promise<boolean> {
    const hash = erasureHash(user)
    const fresh = !this.hashes.has(hash)
    if (this.store) {
      await this.store.query('INSERT INTO recforge_erasures (user_hash, origin) VALUES ($1, $2) ON CONFLICT (user_hash) DO NOTHING', [hash, origin])
      await this.store.sync()
      await this.refresh()
    } else {
      this.latest = Date.now()
    }
    this.hashes.add(hash)
    return fresh
  }

  /**
   * Deletes whatever records of erased users the log still holds: those of an erasure that was
   * interrupted between listing the user and deleting their records, or written by another
   * instance that had not yet heard of it. Returns how many went.
   */
  async sweep(): Promise<number> {
    if (!this.store || !this.hashes.size) return 0
    const [row] = await this.store.query<{ n: number }>(
      `WITH gone AS (DELETE FROM recforge_events WHERE ${SQL_HASH} IN (SELECT user_hash FROM recforge_erasures) RETURNING 1) SELECT count(*)::float8 AS n FROM gone`,
    )
    const n = row?.n ?? 0
    if (n) await this.store.sync()
    return n
  }
}

/** What an erasure did. */
export interface ErasureResult {
  user: string
  erased: true
  /** Event-log records deleted (feedback and the user's creation). */
  events: number
  /** False when the user had been erased before (nothing more to do). */
  first: boolean
}

/**
 * Erases one user: lists them as erased (so from now on every answer treats them as unknown),
 * then deletes their records from the event log. Listing first means a crash in between still
 * hides the user, and the next start's {@link Erasures.sweep} deletes what is left.
 *
 * @example
 * ```ts
 * await eraseUser('u42', { log, erasures }) // { user: 'u42', erased: true, events: 17, first: true }
 * ```
 */
export async function eraseUser(user: string, ctx: { log: EventLog; erasures: Erasures }): Promise<ErasureResult> {
  const first = await ctx.erasures.record(user, ctx.log.origin)
  const events = await ctx.log.eraseUsers([user])
  return { user, erased: true, events, first }
}

/**
 * The interactions without the rows of erased users (what a new generation trains on). Returns
 * the same object when nobody in it was erased.
 */
export function withoutErased(data: Interactions, erasures: Erasures): { data: Interactions; dropped: number } {
  if (!erasures.size) return { data, dropped: 0 }
  const keep: number[] = []
  for (let u = 0; u < data.users.size; u++) if (!erasures.has(data.users.id(u))) keep.push(u)
  const dropped = data.users.size - keep.length
  if (!dropped) return { data, dropped: 0 }
  let n = 0
  for (const u of keep) n += data.indptr[u + 1]! - data.indptr[u]!
  const indptr = new Int32Array(keep.length + 1)
  const indices = new Int32Array(n)
  const values = new Float32Array(n)
  const timestamps = data.timestamps ? new Float64Array(n) : undefined
  let p = 0
  keep.forEach((u, j) => {
    const a = data.indptr[u]!
    const b = data.indptr[u + 1]!
    indices.set(data.indices.subarray(a, b), p)
    values.set(data.values.subarray(a, b), p)
    timestamps?.set(data.timestamps!.subarray(a, b), p)
    p += b - a
    indptr[j + 1] = p
  })
  const users = new IdVocabulary(keep.map((u) => data.users.id(u)))
  return { data: { users, items: data.items, indptr, indices, values, ...(timestamps ? { timestamps } : {}) }, dropped }
}

/**
 * Removes the generations other than the current one that were written before the last erasure:
 * their training data may still hold an erased user. Call after a generation without erased
 * users has become current. Returns the folders removed.
 */
export async function dropGenerationsBeforeErasure(dir: string, erasures: Erasures): Promise<string[]> {
  if (!erasures.size) return []
  const current = await currentGeneration(dir)
  const root = path.join(dir, 'generations')
  const removed: string[] = []
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!/^g-\d{6,}$/.test(name) || name === current) continue
    const folder = path.join(root, name)
    const created = await readFile(path.join(folder, 'manifest.json'), 'utf8').then(
      (t) => Date.parse((JSON.parse(t) as { createdAt?: string }).createdAt ?? ''),
      () => Number.NaN,
    )
    if (Number.isFinite(created) && created > erasures.latestErasure) continue
    await rm(folder, { recursive: true, force: true })
    removed.push(folder)
  }
  return removed
}

/**
 * The erasure list of a model folder's embedded event store, read and closed again (for commands
 * that write a generation without serving). An empty list when the folder has no store; when a
 * running server holds it, `log` is told that erasures cannot be checked, and the list is empty.
 */
export async function erasuresOf(dir: string, log?: (message: string) => void): Promise<Erasures> {
  const where = path.join(dir, 'eventlog')
  if (!hasFolderStore(dir)) return Erasures.open()
  let store: SqlStore
  try {
    store = await openFolderStore(dir)
  } catch (e) {
    log?.(`could not read the erasure list of ${where} (${(e as Error).message}); users erased there are not left out`)
    return Erasures.open()
  }
  try {
    return (await Erasures.open(store)).detach()
  } finally {
    await store.close()
  }
}

/**
 * `recforge forget --user <id>`: erases a user offline, in a model folder's embedded event store
 * (or the PostgreSQL server of `database` / `DATABASE_URL`): their records leave the log, and the
 * erasure list keeps them out of every answer after the next start and out of the next
 * generation's training data. The raw id is mapped to its pseudonym first when the current
 * generation holds pseudonyms.
 *
 * @example
 * ```ts
 * await runForget({ user: 'u42', modelDir: '.recforge/models' })
 * ```
 * @throws RecForgeError IO_ERROR when the store is in use by a running server (erase through
 *   `DELETE /users/:id` there) or cannot be opened.
 */
export async function runForget(opts: { user: string; modelDir: string; database?: string }): Promise<ErasureResult & { where: string }> {
  const user = await (await userIdMapperOf(opts.modelDir)).map(opts.user)
  const url = opts.database ?? process.env.DATABASE_URL
  let store: SqlStore
  try {
    store = url ? await openServerStore(url) : await openFolderStore(opts.modelDir)
  } catch (e) {
    const where = url ? redactUrl(url) : path.join(opts.modelDir, 'eventlog')
    if (e instanceof RecForgeError) throw new RecForgeError(e.code, `${e.message}; to erase a user while a server runs, send DELETE /users/:id to it (admin key)`, { cause: e })
    throw new RecForgeError('IO_ERROR', `could not open the event store ${where}: ${(e as Error).message}`, { cause: e })
  }
  try {
    const log = new SqlEventLog(store)
    const erasures = await Erasures.open(store)
    const done = await eraseUser(user, { log, erasures })
    return { ...done, user: opts.user, where: log.where }
  } finally {
    await store.close()
  }
}
