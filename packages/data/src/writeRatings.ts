import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { nnz, RecForgeError, throwIfAborted, type Interactions, type RunOptions } from '@recforge/core'

/**
 * Writes interactions as `ratings.csv` (`userId,itemId,rating,timestamp` with a header), streamed
 * in chunks to a temporary file that is renamed into place when complete. Core's `writeFileAtomic`
 * takes the whole content at once; a 20M-row file is larger than the longest string V8 allows.
 *
 * @example
 * ```ts
 * await writeRatingsCsv(generateSynthetic('1m').interactions, '/tmp/ratings.csv')
 * ```
 * @throws RecForgeError IO_ERROR when the file cannot be written; ABORTED when the signal fires.
 */
export async function writeRatingsCsv(data: Interactions, file: string, opts: RunOptions = {}): Promise<{ rows: number; bytes: number }> {
  const dir = path.dirname(file)
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const n = nnz(data)
  const userIds = data.users.ids()
  const itemIds = data.items.ids()
  const ts = data.timestamps
  let bytes = 0
  try {
    await mkdir(dir, { recursive: true })
    const out = createWriteStream(tmp)
    const write = (s: string): Promise<void> =>
      new Promise((resolve, reject) => {
        bytes += Buffer.byteLength(s)
        const onErr = (e: Error) => reject(e)
        out.once('error', onErr)
        if (out.write(s)) {
          out.off('error', onErr)
          resolve()
        } else
          out.once('drain', () => {
            out.off('error', onErr)
            resolve()
          })
      })
    await write(ts ? 'userId,itemId,rating,timestamp\n' : 'userId,itemId,rating\n')
    let chunk = ''
    let lines = 0
    for (let u = 0; u < data.users.size; u++) {
      const uid = userIds[u]!
      for (let k = data.indptr[u]!; k < data.indptr[u + 1]!; k++) {
        const v = data.values[k]!
        const vs = Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(7)))
        chunk += ts ? `${uid},${itemIds[data.indices[k]!]},${vs},${ts[k]}\n` : `${uid},${itemIds[data.indices[k]!]},${vs}\n`
        if (++lines === 65536) {
          await write(chunk)
          chunk = ''
          lines = 0
          throwIfAborted(opts.signal, `writing ${file}`)
          opts.onProgress?.({ stage: 'write', current: k + 1, total: n, message: file })
        }
      }
    }
    if (chunk) await write(chunk)
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject)
      out.end(() => resolve())
    })
    await rename(tmp, file)
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {})
    if (e instanceof RecForgeError) throw e
    throw new RecForgeError('IO_ERROR', `could not write ${file}: ${(e as Error).message}`, { cause: e })
  }
  return { rows: n, bytes }
}
