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
   * embedded store syncs the write-ahead log segment it wrote to.
   */
  sync(): Promise<void>
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
  const handles = new Map<string, FileHandle>()
  let lastSegment: string | undefined
  let syncing: Promise<void> = Promise.resolve()
  const handle = async (name: string): Promise<FileHandle> => {
    let h = handles.get(name)
    if (!h) handles.set(name, (h = await open(path.join(walDir, name), 'r+')))
    return h
  }
  const query: Query = async <R extends Row>(sql: string, params?: unknown[]) => (await db.query<R>(sql, params)).rows
  const store: SqlStore = {
    kind: 'embedded',
    where: dir,
    shared: false,
    query,
    transaction: (fn) => db.transaction((tx) => fn(async <R extends Row>(sql: string, params?: unknown[]) => (await tx.query<R>(sql, params)).rows)),
    sync() {
      // one sync at a time: a segment switch closes the handle of the previous segment
      const run = syncing.then(syncWal)
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
  async function syncWal(): Promise<void> {
    const [row] = await query<{ file: string }>('SELECT file_name AS file FROM pg_walfile_name_offset(pg_current_wal_insert_lsn())')
    const segment = row!.file
    if (lastSegment !== undefined && lastSegment !== segment) {
      // the commit may have started in the previous segment; a new file also needs its directory entry synced
      await (await handle(lastSegment)).datasync()
      await handles.get(lastSegment)!.close()
      handles.delete(lastSegment)
      const d = await open(walDir, 'r')
      await d.sync().finally(() => d.close())
    }
    await (await handle(segment)).datasync()
    lastSegment = segment
  }
  await migrate(store)
  return store
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
