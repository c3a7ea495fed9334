import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isEncryptedBytes } from '@recforge/core'
import { ENCRYPTION_KEY_ENV } from '../atrest'
import { SqlEventLog } from '../eventlog'
import { readGeneration } from '../generations'
import { openFolderStore } from '../sealedStore'
import { startServing } from '../serve'
import { openEmbeddedStore } from '../sql'
import { getJson, postJson, smallData, spawnServe, testRegistry, writeTestGeneration } from './helpers'

const KEY = 'the at-rest key of the tests, 0123456789abcdef'
const data = smallData()
const items = data.items.ids()
/** Ids no file can hold by chance. */
const SECRET = 'Secret.Person-QQ1'
const CRASHED = 'Crash.Person-QQ2'
let root: string

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'recforge-atrest-'))
})
afterEach(() => {
  delete process.env[ENCRYPTION_KEY_ENV]
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { withFileTypes: true, recursive: true })).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
}

async function holding(dir: string, needle: string): Promise<string[]> {
  const out: string[] = []
  for (const f of await filesUnder(dir)) if ((await readFile(f)).includes(Buffer.from(needle))) out.push(path.relative(dir, f))
  return out
}

const start = (dir: string) => startServing({ registry: testRegistry(), modelDir: dir, port: 0, bandit: 'none', security: { writesPerMinute: 0, readsPerMinute: 0 } })

describe('encryption at rest (RECFORGE_ENCRYPTION_KEY)', () => {
  it('model files and the event store hold ciphertext only, and read back after a restart and a crash', async () => {
    process.env[ENCRYPTION_KEY_ENV] = KEY
    const dir = path.join(root, 'sealed')
    await writeTestGeneration(dir, data)
    const genDir = path.join(dir, 'generations', 'g-000001')
    for (const f of ['data.rfa', 'pop.rfm', 'itemknn.rfm']) expect(isEncryptedBytes(new Uint8Array(await readFile(path.join(genDir, f)))), f).toBe(true)
    let s = await start(dir)
    try {
      expect((await postJson(`${s.url}users`, { id: SECRET, likes: [items[1], items[2]] })).status).toBe(201)
      expect((await postJson(`${s.url}feedback`, { user: SECRET, item: items[3] })).status).toBe(202)
    } finally {
      await s.close()
    }
    expect(existsSync(path.join(dir, 'eventlog'))).toBe(false)
    expect(isEncryptedBytes(new Uint8Array(await readFile(path.join(dir, 'eventlog.sealed'))))).toBe(true)
    expect(await holding(dir, SECRET)).toEqual([])

    s = await start(dir)
    try {
      expect((await getJson<{ items: { id: string }[] }>(`${s.url}users/${SECRET}/history`)).items.map((x) => x.id)).toEqual([items[1], items[2], items[3]])
    } finally {
      await s.close()
    }

    // an acknowledged write survives a SIGKILL: it is in the journal before the answer
    const p = await spawnServe(['--model-dir', dir, '--bandit', 'none'], { [ENCRYPTION_KEY_ENV]: KEY })
    expect((await postJson(`${p.url}users`, { id: CRASHED, likes: [items[4]] })).status).toBe(201)
    p.child.kill('SIGKILL')
    await p.exited
    expect(await holding(dir, CRASHED)).toEqual([])
    s = await start(dir)
    try {
      expect((await getJson<{ items: { id: string }[] }>(`${s.url}users/${CRASHED}/history`)).items.map((x) => x.id)).toEqual([items[4]])
      expect((await getJson<{ items: unknown[] }>(`${s.url}users/${SECRET}/history`)).items).toHaveLength(3)
    } finally {
      await s.close()
    }
  }, 120_000)

  it('a wrong key, no key, or a changed file fails with an error naming the file', async () => {
    process.env[ENCRYPTION_KEY_ENV] = KEY
    const dir = path.join(root, 'keys')
    await writeTestGeneration(dir, data)
    const store = await openFolderStore(dir)
    await new SqlEventLog(store).append([{ kind: 'user', user: 'someone' }])
    await store.close()

    process.env[ENCRYPTION_KEY_ENV] = 'another key of sixteen bytes or more'
    const dataFile = path.join(dir, 'generations', 'g-000001', 'data.rfa')
    await expect(readGeneration(dir, testRegistry())).rejects.toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      message: `${dataFile} could not be decrypted: the key is wrong, or the bytes were changed after encryption (AES-GCM authentication failed); check ${ENCRYPTION_KEY_ENV}`,
      location: { file: dataFile },
    })
    await expect(start(dir)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' })
    const sealed = path.join(dir, 'eventlog.sealed')
    await expect(openFolderStore(dir)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH', message: expect.stringContaining(`${sealed} could not be decrypted: the key is wrong`) })

    delete process.env[ENCRYPTION_KEY_ENV]
    await expect(readGeneration(dir, testRegistry())).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: `${dataFile} is encrypted; set ${ENCRYPTION_KEY_ENV} to the key it was written with` })
    await expect(openFolderStore(dir)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`${sealed} is encrypted; set ${ENCRYPTION_KEY_ENV}`) })

    // the right key again, after one byte of a model file changed
    process.env[ENCRYPTION_KEY_ENV] = KEY
    const model = path.join(dir, 'generations', 'g-000001', 'pop.rfm')
    const bytes = await readFile(model)
    bytes[bytes.length - 20]! ^= 1
    await writeFile(model, bytes)
    await expect(readGeneration(dir, testRegistry())).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH', location: { file: model } })
  }, 120_000)

  it('a plain event store is encrypted in place once the key is set, keeping its records', async () => {
    const dir = path.join(root, 'migrate')
    await writeTestGeneration(dir, data, ['pop'])
    const plain = await openEmbeddedStore(path.join(dir, 'eventlog'))
    await new SqlEventLog(plain).append([{ kind: 'feedback', user: SECRET, item: items[5]!, value: 2 }])
    await plain.close()
    process.env[ENCRYPTION_KEY_ENV] = KEY
    const store = await openFolderStore(dir)
    try {
      expect((await new SqlEventLog(store).read(0, 10)).map((r) => r.user)).toEqual([SECRET])
    } finally {
      await store.close()
    }
    expect(existsSync(path.join(dir, 'eventlog'))).toBe(false)
    expect(await holding(dir, SECRET)).toEqual([])
  }, 120_000)
})
