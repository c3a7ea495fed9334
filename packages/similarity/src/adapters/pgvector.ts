import { RecForgeError, checkNumber, type Metric, type SearchResult } from '@recforge/core'
import { importPeer } from '../internal/native'
import { checkBatch, checkDimensions, checkK, checkKeys, checkMetric, checkQuery } from '../internal/validate'

/**
 * The one method the store needs from a database client. PGlite, `pg.Client` and a checked-out
 * `pg.PoolClient` all have it.
 */
export interface SqlClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>
}

/** SQL types allowed for metadata columns. */
export type MetadataType = 'text' | 'integer' | 'bigint' | 'real' | 'double precision' | 'boolean' | 'jsonb' | 'text[]' | 'integer[]'

/** A metadata condition: a value (equality), a list (`IN`), or a range. */
export type WhereValue = string | number | boolean | readonly (string | number)[] | { gt?: number; gte?: number; lt?: number; lte?: number; ne?: string | number | boolean }

/** Options for {@link PgVectorStore.open}. */
export interface PgVectorStoreOptions {
  /** A connected client (PGlite, `pg.Client`, a `pg.PoolClient`). */
  client: SqlClient
  /** Vector length. */
  dimensions: number
  /** Distance measure: `cosine` uses `<=>`, `l2` uses `<->` (reported squared), `ip` uses `<#>`. Defaults to `'cosine'`. */
  metric?: Metric
  /** Table name (letters, digits, underscores). Defaults to `'recforge_vectors'`. */
  table?: string
  /** Metadata columns and their SQL types, e.g. `{ genre: 'text', year: 'integer' }`. Defaults to `{}`. */
  metadata?: Readonly<Record<string, MetadataType>>
  /** Build an HNSW index on the vectors; `false` for exact scans. Defaults to `{ m: 16, efConstruction: 64 }`. */
  hnsw?: { m?: number; efConstruction?: number } | false
  /** `hnsw.ef_search` set on this connection. Defaults to `64`. */
  efSearch?: number
}

/** Options for {@link PgVectorStore.search}. */
export interface PgSearchOptions {
  /** Metadata conditions joined with AND. Defaults to none. */
  where?: Readonly<Record<string, WhereValue>>
  /** Keys to leave out (e.g. seen items). Defaults to none. */
  exclude?: Int32Array
  /** Only these keys may be returned (an allow-list). Defaults to all keys. */
  allow?: Int32Array
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/
const TYPES: readonly MetadataType[] = ['text', 'integer', 'bigint', 'real', 'double precision', 'boolean', 'jsonb', 'text[]', 'integer[]']
const OPS: Record<Metric, { op: string; ops: string }> = {
  cosine: { op: '<=>', ops: 'vector_cosine_ops' },
  l2: { op: '<->', ops: 'vector_l2_ops' },
  ip: { op: '<#>', ops: 'vector_ip_ops' },
}

function ident(name: string, what: string): string {
  if (!IDENT.test(name)) throw new RecForgeError('INVALID_ARGUMENT', `PgVectorStore: ${what} "${name}" must match ${IDENT} (lower-case letters, digits, underscores)`)
  return `"${name}"`
}

function literal(v: Float32Array, o: number, d: number): string {
  let s = '['
  for (let j = 0; j < d; j++) s += (j ? ',' : '') + String(v[o + j]!)
  return s + ']'
}

/**
 * Opens an in-process PGlite database with the pgvector extension loaded (`CREATE EXTENSION vector`).
 *
 * @example
 * ```ts
 * const db = await openPglite()
 * const store = await PgVectorStore.open({ client: db, dimensions: 64 })
 * ```
 * @throws RecForgeError MISSING_DEPENDENCY when `@electric-sql/pglite` is not installed.
 */
export async function openPglite(opts: { dataDir?: string } = {}): Promise<SqlClient & { close(): Promise<void> }> {
  const { PGlite } = await importPeer('@electric-sql/pglite', () => import('@electric-sql/pglite'), '@recforge/similarity/pgvector')
  const { vector } = await importPeer('@electric-sql/pglite', () => import('@electric-sql/pglite/vector'), '@recforge/similarity/pgvector')
  const db = await PGlite.create({ ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }), extensions: { vector } })
  return db as unknown as SqlClient & { close(): Promise<void> }
}

/**
 * A vector store in PostgreSQL with pgvector: one table of `(id integer primary key, embedding
 * vector(d), metadata columns…)`, an optional HNSW index, and `ORDER BY embedding <=> $1 LIMIT k`
 * queries with metadata filters. The same SQL runs on embedded PGlite and on a PostgreSQL server
 * with pgvector >= 0.8.
 *
 * @example
 * ```ts
 * const store = await PgVectorStore.open({ client: await openPglite(), dimensions: 3, metadata: { genre: 'text' } })
 * await store.upsert(new Int32Array([1, 2]), new Float32Array([1, 0, 0, 0, 1, 0]), [{ genre: 'drama' }, { genre: 'comedy' }])
 * await store.search(new Float32Array([1, 0.1, 0]), 5, { where: { genre: 'drama' } })
 * ```
 */
export class PgVectorStore {
  readonly dimensions: number
  readonly metric: Metric
  readonly table: string
  readonly metadata: Readonly<Record<string, MetadataType>>
  private readonly client: SqlClient
  private readonly qt: string

  private constructor(opts: PgVectorStoreOptions) {
    this.client = opts.client
    this.dimensions = checkDimensions(opts.dimensions, 'PgVectorStore')
    this.metric = checkMetric(opts.metric ?? 'cosine', 'PgVectorStore')
    this.table = opts.table ?? 'recforge_vectors'
    this.qt = ident(this.table, 'table')
    this.metadata = { ...(opts.metadata ?? {}) }
    for (const [name, type] of Object.entries(this.metadata)) {
      ident(name, 'metadata column')
      if (name === 'id' || name === 'embedding') throw new RecForgeError('INVALID_ARGUMENT', `PgVectorStore: metadata column "${name}" clashes with a built-in column`)
      if (!TYPES.includes(type)) throw new RecForgeError('INVALID_ARGUMENT', `PgVectorStore: metadata column "${name}" has type "${type}"; expected one of ${TYPES.join(', ')}`)
    }
  }

  /**
   * Creates the extension, table and HNSW index when missing, and sets `hnsw.ef_search` (and,
   * on pgvector >= 0.8, `hnsw.iterative_scan` so filtered queries still return `k` rows) for the connection.
   *
   * @throws RecForgeError INVALID_ARGUMENT for bad names or options; BACKEND_UNAVAILABLE when pgvector is missing.
   */
  static async open(opts: PgVectorStoreOptions): Promise<PgVectorStore> {
    const store = new PgVectorStore(opts)
    const c = store.client
    try {
      await c.query('CREATE EXTENSION IF NOT EXISTS vector')
    } catch (e) {
      throw new RecForgeError('BACKEND_UNAVAILABLE', `PgVectorStore: the database has no pgvector extension (${(e as Error).message}); install pgvector on the server`, { cause: e })
    }
    const cols = Object.entries(store.metadata).map(([n, t]) => `, "${n}" ${t}`).join('')
    await c.query(`CREATE TABLE IF NOT EXISTS ${store.qt} (id integer PRIMARY KEY, embedding vector(${store.dimensions}) NOT NULL${cols})`)
    if (opts.hnsw !== false) {
      const m = checkNumber('hnsw.m', opts.hnsw?.m ?? 16, { integer: true, min: 2, max: 100 })
      const efc = checkNumber('hnsw.efConstruction', opts.hnsw?.efConstruction ?? 64, { integer: true, min: 4, max: 1000 })
      await c.query(`CREATE INDEX IF NOT EXISTS "${store.table}_embedding_hnsw" ON ${store.qt} USING hnsw (embedding ${OPS[store.metric].ops}) WITH (m = ${m}, ef_construction = ${efc})`)
    }
    const ef = checkNumber('efSearch', opts.efSearch ?? 64, { integer: true, min: 1, max: 1000 })
    await c.query(`SET hnsw.ef_search = ${ef}`)
    try {
      await c.query('SET hnsw.iterative_scan = relaxed_order')
    } catch {
      // pgvector < 0.8 has no iterative scans; filtered queries may then return fewer than k rows
    }
    return store
  }

  /** Number of stored vectors. */
  async size(): Promise<number> {
    const r = await this.client.query(`SELECT count(*)::int AS n FROM ${this.qt}`)
    return Number(r.rows[0]?.['n'] ?? 0)
  }

  /**
   * Inserts or replaces vectors (and their metadata) under `keys`, in batches of 500 rows.
   *
   * @throws RecForgeError DIMENSION_MISMATCH or INVALID_ARGUMENT for bad vectors or unknown metadata columns.
   */
  async upsert(keys: Int32Array, vectors: Float32Array, metadata?: readonly Readonly<Record<string, unknown>>[]): Promise<void> {
    const d = this.dimensions
    checkBatch(keys, vectors, d, 'PgVectorStore.upsert')
    if (metadata && metadata.length !== keys.length) throw new RecForgeError('INVALID_ARGUMENT', `PgVectorStore.upsert: ${keys.length} keys but ${metadata.length} metadata rows`)
    const cols = Object.keys(this.metadata)
    for (const row of metadata ?? []) for (const name of Object.keys(row)) if (!cols.includes(name)) throw new RecForgeError('INVALID_ARGUMENT', `PgVectorStore.upsert: unknown metadata column "${name}"; declared columns are ${cols.join(', ') || '(none)'}`)
    const width = 2 + cols.length
    const set = ['embedding = EXCLUDED.embedding', ...cols.map((n) => `"${n}" = EXCLUDED."${n}"`)].join(', ')
    for (let s = 0; s < keys.length; s += 500) {
      const e = Math.min(keys.length, s + 500)
      const params: unknown[] = []
      const rows: string[] = []
      for (let i = s; i < e; i++) {
        const base = (i - s) * width
        rows.push(`(${Array.from({ length: width }, (_, j) => `$${base + j + 1}`).join(', ')})`)
        params.push(keys[i], literal(vectors, i * d, d))
        for (const n of cols) {
          const v = metadata?.[i]?.[n]
          params.push(v === undefined ? null : this.metadata[n] === 'jsonb' ? JSON.stringify(v) : v)
        }
      }
      await this.client.query(`INSERT INTO ${this.qt} (id, embedding${cols.map((n) => `, "${n}"`).join('')}) VALUES ${rows.join(', ')} ON CONFLICT (id) DO UPDATE SET ${set}`, params)
    }
  }

  /**
   * Deletes `keys` (unknown keys are ignored).
   *
   * @throws RecForgeError INVALID_ARGUMENT when `keys` is not an Int32Array.
   */
  async delete(keys: Int32Array): Promise<void> {
    checkKeys(keys, 'PgVectorStore.delete')
    if (keys.length === 0) return
    await this.client.query(`DELETE FROM ${this.qt} WHERE id = ANY($1::int[])`, [Array.from(keys)])
  }

  /**
   * The `k` nearest stored vectors to `query`, nearest first, among rows matching `where`
   * (metadata), not in `exclude` and (when given) in `allow`. Distances follow RecForge's
   * conventions (`1 - cos`, `-dot`, squared L2).
   *
   * @example
   * ```ts
   * await store.search(q, 10, { where: { genre: ['drama', 'crime'], year: { gte: 1990 } }, exclude: seen })
   * ```
   * @throws RecForgeError DIMENSION_MISMATCH or INVALID_ARGUMENT for a bad query or an unknown column.
   */
  async search(query: Float32Array, k: number, opts: PgSearchOptions = {}): Promise<SearchResult> {
    checkQuery(query, this.dimensions, 'PgVectorStore.search')
    checkK(k, 'PgVectorStore.search')
    if (k === 0) return { keys: new Int32Array(0), distances: new Float32Array(0) }
    const params: unknown[] = [literal(query, 0, this.dimensions)]
    const conds: string[] = []
    const p = (v: unknown) => {
      params.push(v)
      return `$${params.length}`
    }
    for (const [name, cond] of Object.entries(opts.where ?? {})) {
      if (!(name in this.metadata) && name !== 'id') throw new RecForgeError('INVALID_ARGUMENT', `PgVectorStore.search: unknown metadata column "${name}" in where; declared columns are ${Object.keys(this.metadata).join(', ') || '(none)'}`)
      const col = `"${name}"`
      if (Array.isArray(cond)) conds.push(`${col} = ANY(${p(cond)})`)
      else if (cond !== null && typeof cond === 'object') {
        const c = cond as { gt?: number; gte?: number; lt?: number; lte?: number; ne?: unknown }
        if (c.gt !== undefined) conds.push(`${col} > ${p(c.gt)}`)
        if (c.gte !== undefined) conds.push(`${col} >= ${p(c.gte)}`)
        if (c.lt !== undefined) conds.push(`${col} < ${p(c.lt)}`)
        if (c.lte !== undefined) conds.push(`${col} <= ${p(c.lte)}`)
        if (c.ne !== undefined) conds.push(`${col} IS DISTINCT FROM ${p(c.ne)}`)
      } else conds.push(`${col} = ${p(cond)}`)
    }
    if (opts.exclude?.length) conds.push(`NOT (id = ANY(${p(Array.from(opts.exclude))}::int[]))`)
    if (opts.allow) conds.push(`id = ANY(${p(Array.from(opts.allow))}::int[])`)
    const op = OPS[this.metric].op
    const sql = `SELECT id, embedding ${op} $1 AS distance FROM ${this.qt}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''} ORDER BY embedding ${op} $1 LIMIT ${k}`
    const r = await this.client.query(sql, params)
    const keys = new Int32Array(r.rows.length)
    const distances = new Float32Array(r.rows.length)
    for (let j = 0; j < r.rows.length; j++) {
      keys[j] = Number(r.rows[j]!['id'])
      const dist = Number(r.rows[j]!['distance'])
      distances[j] = this.metric === 'l2' ? dist * dist : dist
    }
    return { keys, distances }
  }
}
