import { cp, mkdir, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { homedir } from 'node:os'
import path from 'node:path'
import { RecForgeError } from '@recforge/core'

/** A row as the drivers return it. */
export type Row = Record<string, unknown>

/** Runs one statement. */
export type Query = <R extends Row = Row>(sql: string, params?: unknown[]) => Promise<R[]>

/**
 * The SQL database behind the event log: embedded PGlite in the model folder, or a PostgreSQL
 * server through node-postgres. Both run the same statements ({@link SCHEMA}).
 */
export interface SqlStore {
  readonly kind: 'embedded' | 'postgres'
  /** The folder or the server (password removed), for messages. */
  readonly where: string
  /** Whether other processes may write to the same database (a server): the log then polls for their events. */
  readonly shared: boolean
  query: Query
  /** Runs `fn` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (query: Query) => Promise<T>): Promise<T>
  /**
   * Makes the transactions committed so far survive a power loss, not only a crash of this
   * process. The server does this itself at COMMIT; PGlite's file layer never calls fsync, so the
   * embedded store syncs the write-ahead log segments it wrote to.
   *
   * @param upTo the value of {@link SqlStore.walPosition} selected by the last statement to make
   *   durable, after its rows were written: the embedded store then finds the segments without a
   *   query of its own (about 0.4 ms of the event loop per commit batch). Without it, the store
   *   asks for the current position.
   */
  sync(upTo?: string): Promise<void>
  /**
   * An SQL expression for the write-ahead log's insert position, as text, where {@link sync}
   * can use it (the embedded store); a statement selects it after writing its rows.
   */
  readonly walPosition?: string
  close(): Promise<void>
}

/** Bumped when the tables change; a database of another version is refused. */
export const SCHEMA_VERSION = 1

/** The one schema both drivers run. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS recforge_schema (version integer PRIMARY KEY);
CREATE TABLE IF NOT EXISTS recforge_events (
  seq bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('feedback', 'user')),
  user_id text NOT NULL,
  item_id text,
  value real,
  event text,
  ts double precision,
  info text,
  origin text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS recforge_events_user_once ON recforge_events (user_id) WHERE kind = 'user';
CREATE TABLE IF NOT EXISTS recforge_generations (
  name text PRIMARY KEY,
  events_through bigint NOT NULL,
  origin text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS recforge_retrains (
  id text PRIMARY KEY,
  origin text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  generation text,
  error text
);
CREATE UNIQUE INDEX IF NOT EXISTS recforge_retrains_one_running ON recforge_retrains ((true)) WHERE status = 'running';
`

/** Creates the tables when missing (under an advisory lock, so two instances starting at once do not race) and checks the version. */
export async function migrate(store: SqlStore): Promise<void> {
  await store.transaction(async (q) => {
    await q('SELECT pg_advisory_xact_lock(4187302291)')
    for (const stmt of SCHEMA.split(';').map((s) => s.trim()).filter(Boolean)) await q(stmt)
    const rows = await q<{ version: number }>('SELECT version FROM recforge_schema')
    if (rows.length === 0) await q('INSERT INTO recforge_schema (version) VALUES ($1)', [SCHEMA_VERSION])
    else if (rows.some((r) => r.version !== SCHEMA_VERSION)) {
      throw new RecForgeError('UNSUPPORTED_VERSION', `${store.where}: event-log schema version ${rows.map((r) => r.version).join(', ')}; this build uses version ${SCHEMA_VERSION}`)
    }
  })
}

/** The PGlite version the embedded store is created with (part of the template folder's name). */
const PGLITE_VERSION = '0.4.6'

/**
 * Where a freshly initialised, empty PGlite folder is kept, so that later stores are copied from it
 * instead of running PGlite's initdb (about 10 s) again: `$XDG_CACHE_HOME/recforge`, else
 * `~/.cache/recforge`.
 */
function templateDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache')
  return path.join(base, 'recforge', `pglite-${PGLITE_VERSION}-template`)
}

const exists = (p: string) => stat(p).then(() => true, () => false)

/** Creates `dir` as a PGlite data folder, from the template when there is one. */
async function initEmbedded(dir: string): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite')
  const parent = path.dirname(dir)
  await mkdir(parent, { recursive: true })
  const tmp = path.join(parent, `.${path.basename(dir)}.${process.pid}.${Date.now()}.tmp`)
  const template = templateDir()
  if (await exists(path.join(template, 'PG_VERSION'))) {
    await cp(template, tmp, { recursive: true })
  } else {
    const db = await PGlite.create({ dataDir: tmp })
    await db.close()
    // keep a copy for the next store; a concurrent process may win the rename, which is fine
    const mine = `${template}.${process.pid}.tmp`
    try {
      await mkdir(path.dirname(template), { recursive: true })
      await cp(tmp, mine, { recursive: true })
      await rename(mine, template)
    } catch {
      await rm(mine, { recursive: true, force: true })
    }
  }
  await rename(tmp, dir)
}

/** Whether process `pid` runs (on this machine). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes `<dir>.lock` for this process: PGlite has no locking of its own, and two processes on one
 * folder would corrupt it. A lock whose process is gone is taken over.
 */
export async function lockFolder(dir: string): Promise<() => Promise<void>> {
  const file = `${dir}.lock`
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(file, 'wx')
      await fh.writeFile(String(process.pid))
      await fh.close()
      return () => rm(file, { force: true })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new RecForgeError('IO_ERROR', `could not lock the event store ${dir}: ${(e as Error).message}`, { cause: e })
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim())
      if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) {
        throw new RecForgeError('IO_ERROR', `the event store ${dir} is in use by process ${owner} (another recforge serve on this model folder?); stop it, or give each process its own --model-dir or a shared --database`)
      }
      await rm(file, { force: true })
    }
  }
  throw new RecForgeError('IO_ERROR', `could not lock the event store ${dir}`)
}

/**
 * Opens (creating when missing) the embedded event store: PGlite with its data in `dir`.
 * Only one process can have a PGlite folder open; a second gets an IO_ERROR naming the folder.
 *
 * @example
 * ```ts
 * const store = await openEmbeddedStore('.recforge/models/eventlog')
 * ```
 * @throws RecForgeError IO_ERROR when the folder cannot be created or opened.
 */
export async function openEmbeddedStore(dir: string): Promise<SqlStore> {
  const { PGlite } = await import('@electric-sql/pglite')
  try {
    if (!(await exists(path.join(dir, 'PG_VERSION')))) await initEmbedded(dir)
  } catch (e) {
    throw new RecForgeError('IO_ERROR', `could not create the event store in ${dir}: ${(e as Error).message}`, { cause: e })
  }
  const unlock = await lockFolder(dir)
  let db: InstanceType<typeof PGlite>
  try {
    db = await PGlite.create({ dataDir: dir })
  } catch (e) {
    await unlock()
    throw new RecForgeError('IO_ERROR', `could not open the event store in ${dir}: ${(e as Error).message}`, { cause: e })
  }
  const walDir = path.join(dir, 'pg_wal')
  const handles = new Map<bigint, FileHandle>()
  /** The newest segment synced so far (it may still grow). */
  let lastSegment: bigint | undefined
  let syncing: Promise<void> = Promise.resolve()
  const query: Query = async <R extends Row>(sql: string, params?: unknown[]) => (await db.query<R>(sql, params)).rows
  let wal: WalGeometry
  try {
    wal = await walGeometry(query)
  } catch (e) {
    await db.close().catch(() => {})
    await unlock()
    throw e
  }
  /** The segment's file, or undefined when it does not exist (not written yet). */
  const handle = async (segment: bigint): Promise<FileHandle | undefined> => {
    let h = handles.get(segment)
    if (!h) {
      try {
        h = await open(path.join(walDir, wal.fileName(segment)), 'r+')
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw e
      }
      handles.set(segment, h)
    }
    return h
  }
  const store: SqlStore = {
    kind: 'embedded',
    where: dir,
    shared: false,
    query,
    walPosition: WAL_POSITION,
    transaction: (fn) => db.transaction((tx) => fn(async <R extends Row>(sql: string, params?: unknown[]) => (await tx.query<R>(sql, params)).rows)),
    sync(upTo) {
      // one sync at a time: a segment switch closes the handle of the previous segment
      const run = syncing.then(() => syncWal(upTo))
      syncing = run.catch(() => {})
      return run
    },
    async close() {
      await syncing
      for (const h of handles.values()) await h.close()
      handles.clear()
      await db.close()
      await unlock()
    },
  }
  /**
   * fdatasyncs every segment from the last one synced (or the one holding the position) up to
   * the one holding the position plus {@link COMMIT_MARGIN} (the commit record written after the
   * statement that selected it), and the folder when a new segment appeared.
   */
  async function syncWal(upTo: string | undefined): Promise<void> {
    const position = parseLsn(upTo ?? (await query<{ lsn: string }>(`SELECT ${WAL_POSITION} AS lsn`))[0]!.lsn)
    const newest = (position + COMMIT_MARGIN) / wal.segmentSize
    const holding = (position - 1n) / wal.segmentSize
    const first = lastSegment === undefined || lastSegment > holding ? holding : lastSegment
    let synced: bigint | undefined
    for (let segment = first; segment <= newest; segment++) {
      const h = await handle(segment)
      if (!h) continue
      await h.datasync()
      synced = segment
    }
    if (synced === undefined) throw new RecForgeError('IO_ERROR', `${walDir}: no write-ahead log segment ${wal.fileName(first)}..${wal.fileName(newest)} to sync`)
    if (lastSegment !== undefined && synced > lastSegment) {
      // a new file also needs its directory entry synced
      const d = await open(walDir, 'r')
      await d.sync().finally(() => d.close())
      for (const [segment, h] of handles)
        if (segment < synced) {
          handles.delete(segment)
          await h.close()
        }
    }
    lastSegment = synced
  }
  await migrate(store)
  return store
}

/** The write-ahead log's insert position as text (`X/Y`). */
const WAL_POSITION = 'pg_current_wal_insert_lsn()::text'

/**
 * Bytes of log a commit may add after the statement that selected its position: the commit
 * record (under a hundred bytes) and a page header, with room to spare; a segment that this
 * reaches into but that does not exist yet was not written.
 */
const COMMIT_MARGIN = 8192n

/** `X/Y` (two hexadecimal halves) as a byte position. */
function parseLsn(text: string): bigint {
  const m = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text)
  if (!m) throw new RecForgeError('PARSE_ERROR', `write-ahead log position: expected X/Y in hexadecimal, got ${JSON.stringify(text)}`)
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`)
}

interface WalGeometry {
  readonly segmentSize: bigint
  /** The file name of a segment (timeline, then the segment number in two halves). */
  fileName(segment: bigint): string
}

/**
 * Reads the segment size and timeline once, and checks the file names computed from them
 * against the server's own `pg_walfile_name` for the current position.
 */
async function walGeometry(query: Query): Promise<WalGeometry> {
  const [row] = await query<{ lsn: string; file: string; size: string; unit: string }>(
    `SELECT ${WAL_POSITION} AS lsn, pg_walfile_name(pg_current_wal_insert_lsn()) AS file, setting AS size, unit FROM pg_settings WHERE name = 'wal_segment_size'`,
  )
  if (!row || row.unit !== 'B' || !/^[0-9]+$/.test(row.size)) throw new RecForgeError('UNSUPPORTED_VERSION', `the embedded store reports wal_segment_size as ${JSON.stringify(row?.size)} ${JSON.stringify(row?.unit)}; expected bytes`)
  const segmentSize = BigInt(row.size)
  const perId = 0x1_0000_0000n / segmentSize
  const timeline = row.file.slice(0, 8)
  const hex = (v: bigint) => v.toString(16).toUpperCase().padStart(8, '0')
  const fileName = (segment: bigint) => `${timeline}${hex(segment / perId)}${hex(segment % perId)}`
  // pg_walfile_name names the segment holding the byte before the position
  const expected = fileName((parseLsn(row.lsn) - 1n) / segmentSize)
  if (expected !== row.file) throw new RecForgeError('UNSUPPORTED_VERSION', `the embedded store names its log segment ${row.file} at ${row.lsn}; expected ${expected}`)
  return { segmentSize, fileName }
}

/** The server part of a connection string without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '<database url>'
  }
}

/**
 * Connects to a PostgreSQL server (node-postgres pool) and creates the event-log tables when missing.
 *
 * @example
 * ```ts
 * const store = await openServerStore('postgres://recforge@db.internal:5432/recforge')
 * ```
 * @throws RecForgeError IO_ERROR when the server cannot be reached.
 */
export async function openServerStore(url: string, opts: { max?: number } = {}): Promise<SqlStore> {
  const pg = (await import('pg')).default
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 8 })
  const where = redactUrl(url)
  // a dropped idle connection must not crash the process; the next query reconnects
  pool.on('error', () => {})
  const query: Query = async <R extends Row>(sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows as R[]
  const store: SqlStore = {
    kind: 'postgres',
    where,
    shared: true,
    query,
    async transaction(fn) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const out = await fn(async <R extends Row>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[])
        await client.query('COMMIT')
        return out
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {})
        throw e
      } finally {
        client.release()
      }
    },
    sync: async () => {},
    close: () => pool.end(),
  }
  try {
    await migrate(store)
  } catch (e) {
    await pool.end().catch(() => {})
    if (e instanceof RecForgeError) throw e
    throw new RecForgeError('IO_ERROR', `could not use the PostgreSQL server ${where}: ${(e as Error).message}`, { cause: e })
  }
  return store
}
