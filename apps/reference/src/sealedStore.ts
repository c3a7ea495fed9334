import { open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { RecForgeError, type EncryptionKey } from '@recforge/core'
import { existsSync } from 'node:fs'
import { atRestKey, ENCRYPTION_KEY_ENV, openAtRest, sealAtRest } from './atrest'
import { lockFolder, migrate, openEmbeddedStore, type Query, type Row, type SqlStore } from './sql'

/**
 * The embedded event store encrypted at rest. PGlite runs in memory; what reaches the disk is
 * authenticated AES-256-GCM only (`@recforge/core`'s `encryptBytes`, one HKDF-derived key per
 * file):
 *
 * - `eventlog.sealed`: a snapshot, the gzipped PGlite data folder after a 4-byte epoch number,
 *   written atomically (temporary file, fsync, rename);
 * - `eventlog.journal`: every write statement since that snapshot, one encrypted frame per
 *   {@link SqlStore.sync} (4-byte length, then the sealed frame), appended and fdatasynced, so an
 *   acknowledged write survives a crash as it does in the plain store.
 *
 * Opening decrypts the snapshot and replays the journal frames of its epoch in order (a frame
 * of an older epoch is already in the snapshot; a torn last frame from a crash is dropped). When
 * the journal passes {@link COMPACT_BYTES} a new snapshot of the next epoch is written and the
 * journal emptied; closing does the same. A frame that fails authentication, or is out of order,
 * stops the open with an error naming the file: the key is wrong, or the file was changed.
 */
const COMPACT_BYTES = 16 * 1024 * 1024

/** Statements that change nothing a replay needs (reads, locks, maintenance). */
const NOT_JOURNALED = /^\s*(SELECT|SHOW|LOCK|VACUUM|CHECKPOINT|ANALYZE)\b/i

interface Frame {
  epoch: number
  n: number
  /** Groups of statements, each group one transaction. */
  groups: [string, unknown[] | null][][]
}

async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path.join(path.dirname(file), '.' + path.basename(file))}.${process.pid}.${Date.now().toString(36)}.tmp`
  const fh = await open(tmp, 'wx')
  try {
    await fh.writeFile(bytes)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await rename(tmp, file)
  const d = await open(path.dirname(file), 'r')
  await d.sync().finally(() => d.close())
}

/**
 * Opens (creating when missing) the encrypted embedded event store of a model folder.
 *
 * @example
 * ```ts
 * const store = await openSealedStore('.recforge/models', { secret: process.env.RECFORGE_ENCRYPTION_KEY! })
 * ```
 * @throws RecForgeError CHECKSUM_MISMATCH naming the file for a wrong key or a changed file;
 *   IO_ERROR when another process holds the store or the files cannot be written; PARSE_ERROR for
 *   a journal out of order.
 */
export async function openSealedStore(modelDir: string, key: EncryptionKey): Promise<SqlStore> {
  const { PGlite } = await import('@electric-sql/pglite')
  const snapshotFile = path.join(modelDir, 'eventlog.sealed')
  const journalFile = path.join(modelDir, 'eventlog.journal')
  const unlock = await lockFolder(snapshotFile)
  let db!: InstanceType<typeof PGlite>
  let epoch = 0
  let frames = 0
  let journal: FileHandle | undefined
  let journalBytes = 0
  try {
    const snapshot = await readFile(snapshotFile).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)))
    if (snapshot) {
      const plain = await openAtRest(new Uint8Array(snapshot), snapshotFile, key)
      epoch = new DataView(plain.buffer, plain.byteOffset, 4).getUint32(0, true)
      db = await PGlite.create({ loadDataDir: new Blob([plain.slice(4)]) })
    } else {
      db = await PGlite.create()
    }
    const raw = await readFile(journalFile).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : Promise.reject(e)))
    let good = 0
    if (raw) {
      let o = 0
      while (o + 4 <= raw.length) {
        const len = raw.readUInt32LE(o)
        if (o + 4 + len > raw.length) break // torn by a crash while appending: never acknowledged
        const frame = JSON.parse(new TextDecoder().decode(await openAtRest(new Uint8Array(raw.subarray(o + 4, o + 4 + len)), journalFile, key))) as Frame
        o += 4 + len
        if (frame.epoch < epoch) continue
        if (frame.epoch !== epoch || frame.n !== frames) {
          throw new RecForgeError('PARSE_ERROR', `${journalFile}: frame ${frame.n} of epoch ${frame.epoch} where frame ${frames} of epoch ${epoch} was due; the journal was changed`, { location: { file: journalFile } })
        }
        for (const group of frame.groups) {
          await db.transaction(async (tx) => {
            for (const [sql, params] of group) await tx.query(sql, params ?? undefined)
          })
        }
        frames++
        good = o
      }
    }
    journal = await open(journalFile, raw ? 'r+' : 'a+')
    if (raw && good < raw.length) {
      await journal.truncate(good)
      await journal.sync()
    }
    journalBytes = good
  } catch (e) {
    await journal?.close()
    await unlock()
    if (e instanceof RecForgeError) throw e
    throw new RecForgeError('IO_ERROR', `could not open the encrypted event store in ${modelDir}: ${(e as Error).message}`, { cause: e })
  }

  // every operation runs alone, so the journal holds them in the order they ran
  let chain: Promise<unknown> = Promise.resolve()
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn)
    chain = run.catch(() => {})
    return run
  }
  let pending: Frame['groups'] = []
  const record = (group: [string, unknown[] | null][]) => {
    if (group.length) pending.push(group)
  }
  const query: Query = <R extends Row>(sql: string, params?: unknown[]) =>
    exclusive(async () => {
      const rows = (await db.query<R>(sql, params)).rows
      if (!NOT_JOURNALED.test(sql)) record([[sql, params ?? null]])
      return rows
    })

  const appendFrame = async (): Promise<void> => {
    if (!pending.length) return
    const frame: Frame = { epoch, n: frames, groups: pending }
    pending = []
    const sealed = await sealAtRest(new TextEncoder().encode(JSON.stringify(frame)), key)
    const head = Buffer.alloc(4)
    head.writeUInt32LE(sealed.length, 0)
    await journal!.write(Buffer.concat([head, sealed]), 0, 4 + sealed.length, journalBytes)
    await journal!.datasync()
    journalBytes += 4 + sealed.length
    frames++
  }
  /** A new snapshot of the next epoch, then an empty journal (its frames are in the snapshot). */
  const compact = async (): Promise<void> => {
    await appendFrame()
    const tar = new Uint8Array(await (await db.dumpDataDir('gzip')).arrayBuffer())
    const plain = new Uint8Array(4 + tar.length)
    new DataView(plain.buffer).setUint32(0, epoch + 1, true)
    plain.set(tar, 4)
    await writeAtomic(snapshotFile, await sealAtRest(plain, key))
    epoch++
    frames = 0
    await journal!.truncate(0)
    await journal!.sync()
    journalBytes = 0
  }
  let syncing: Promise<void> = Promise.resolve()
  const store: SqlStore = {
    kind: 'embedded',
    where: `${snapshotFile} (encrypted)`,
    shared: false,
    query,
    transaction: (fn) =>
      exclusive(() =>
        db.transaction(async (tx) => {
          const group: [string, unknown[] | null][] = []
          const out = await fn(async <R extends Row>(sql: string, params?: unknown[]) => {
            const rows = (await tx.query<R>(sql, params)).rows
            if (!NOT_JOURNALED.test(sql)) group.push([sql, params ?? null])
            return rows
          })
          record(group)
          return out
        }),
      ),
    sync() {
      // the frame is taken inside the exclusive section, so it holds exactly what ran before this call
      const run = syncing.then(() => exclusive(async () => {
        await appendFrame()
        if (journalBytes > COMPACT_BYTES) await compact()
      }))
      syncing = run.catch(() => {})
      return run
    },
    async close() {
      await syncing
      await exclusive(compact)
      await journal!.close()
      await db.close()
      await unlock()
    },
  }
  try {
    await migrate(store)
    if (!(await stat(snapshotFile).then(() => true, () => false))) await exclusive(compact)
    else await store.sync()
  } catch (e) {
    await journal.close()
    await db.close()
    await unlock()
    throw e
  }
  return store
}

/** Whether a model folder has an event store, plain (`eventlog/`) or encrypted (`eventlog.sealed`). */
export function hasFolderStore(modelDir: string): boolean {
  return existsSync(path.join(modelDir, 'eventlog')) || existsSync(path.join(modelDir, 'eventlog.sealed'))
}

/**
 * The event store of a model folder: encrypted ({@link openSealedStore}) when
 * `RECFORGE_ENCRYPTION_KEY` is set, else the plain embedded store. A plain store found while the
 * key is set is encrypted once, in place of the plain folder.
 *
 * @throws RecForgeError INVALID_ARGUMENT for an encrypted store without the key; CHECKSUM_MISMATCH for a wrong key; IO_ERROR as the stores throw it.
 */
export async function openFolderStore(modelDir: string): Promise<SqlStore> {
  const key = atRestKey()
  const plainDir = path.join(modelDir, 'eventlog')
  const sealed = path.join(modelDir, 'eventlog.sealed')
  if (!key) {
    if (existsSync(sealed)) throw new RecForgeError('INVALID_ARGUMENT', `the event store ${sealed} is encrypted; set ${ENCRYPTION_KEY_ENV} to the key it was written with`, { location: { file: sealed } })
    return openEmbeddedStore(plainDir)
  }
  if (existsSync(path.join(plainDir, 'PG_VERSION')) && !existsSync(sealed)) await encryptPlainStore(plainDir, sealed, key)
  return openSealedStore(modelDir, key)
}

/** Writes the plain store's data as the first encrypted snapshot, then removes the plain folder. */
async function encryptPlainStore(plainDir: string, sealed: string, key: EncryptionKey): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite')
  const unlock = await lockFolder(plainDir)
  try {
    const db = await PGlite.create({ dataDir: plainDir })
    let tar: Uint8Array
    try {
      tar = new Uint8Array(await (await db.dumpDataDir('gzip')).arrayBuffer())
    } finally {
      await db.close()
    }
    const plain = new Uint8Array(4 + tar.length)
    new DataView(plain.buffer).setUint32(0, 1, true)
    plain.set(tar, 4)
    await writeAtomic(sealed, await sealAtRest(plain, key))
    await rm(plainDir, { recursive: true, force: true })
  } finally {
    await unlock()
  }
}
