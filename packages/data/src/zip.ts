import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, open } from 'node:fs/promises'
import path from 'node:path'
import { Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createInflateRaw } from 'node:zlib'
import { RecForgeError } from '@recforge/core'

/** One file in a zip archive's central directory. */
export interface ZipEntry {
  name: string
  /** 0 = stored, 8 = deflate. */
  method: number
  crc32: number
  compressedSize: number
  size: number
  /** Offset of the entry's local header. */
  offset: number
  isDirectory: boolean
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  return t
})()

/** CRC-32 over a stream of chunks (core's `crc32` takes one whole buffer; entries here are streamed). */
class CrcCheck extends Transform {
  crc = -1
  size = 0
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let c = this.crc
    for (let i = 0; i < chunk.length; i++) c = CRC_TABLE[(c ^ chunk[i]!) & 0xff]! ^ (c >>> 8)
    this.crc = c
    this.size += chunk.length
    cb(null, chunk)
  }
  value(): number {
    return (this.crc ^ -1) >>> 0
  }
}

/**
 * Reads a zip archive's central directory (no ZIP64: archives and entries under 4 GiB, as the
 * GroupLens archives are).
 *
 * @example
 * ```ts
 * const entries = await readZipEntries('ml-100k.zip')
 * ```
 * @throws RecForgeError PARSE_ERROR when the file is not a zip archive or uses ZIP64; IO_ERROR when unreadable.
 */
export async function readZipEntries(file: string): Promise<ZipEntry[]> {
  let fh
  try {
    fh = await open(file, 'r')
  } catch (e) {
    throw new RecForgeError('IO_ERROR', `cannot open ${file}: ${(e as Error).message}`, { cause: e })
  }
  try {
    const { size } = await fh.stat()
    const tailLen = Math.min(size, 22 + 65535)
    const tail = Buffer.alloc(tailLen)
    await fh.read(tail, 0, tailLen, size - tailLen)
    let eocd = -1
    for (let p = tailLen - 22; p >= 0; p--) {
      if (tail.readUInt32LE(p) === 0x06054b50) {
        eocd = p
        break
      }
    }
    if (eocd < 0) throw new RecForgeError('PARSE_ERROR', `${file} is not a zip archive (no end-of-central-directory record)`)
    const count = tail.readUInt16LE(eocd + 10)
    const cdSize = tail.readUInt32LE(eocd + 12)
    const cdOffset = tail.readUInt32LE(eocd + 16)
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw new RecForgeError('PARSE_ERROR', `${file} is a ZIP64 archive; this reader handles archives under 4 GiB`)
    if (cdOffset + cdSize > size) throw new RecForgeError('PARSE_ERROR', `${file} is truncated: the central directory ends at byte ${cdOffset + cdSize}, the file has ${size}`)
    const cd = Buffer.alloc(cdSize)
    await fh.read(cd, 0, cdSize, cdOffset)
    const entries: ZipEntry[] = []
    let p = 0
    for (let k = 0; k < count; k++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw new RecForgeError('PARSE_ERROR', `${file}: central directory entry ${k} is damaged`)
      const flags = cd.readUInt16LE(p + 8)
      const nameLen = cd.readUInt16LE(p + 28)
      const extraLen = cd.readUInt16LE(p + 30)
      const commentLen = cd.readUInt16LE(p + 32)
      const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen)
      const e: ZipEntry = {
        name,
        method: cd.readUInt16LE(p + 10),
        crc32: cd.readUInt32LE(p + 16),
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        offset: cd.readUInt32LE(p + 42),
        isDirectory: name.endsWith('/'),
      }
      if (e.size === 0xffffffff || e.compressedSize === 0xffffffff || e.offset === 0xffffffff) throw new RecForgeError('PARSE_ERROR', `${file}: entry ${name} uses ZIP64 sizes; this reader handles entries under 4 GiB`)
      if (flags & 1) throw new RecForgeError('PARSE_ERROR', `${file}: entry ${name} is encrypted`)
      entries.push(e)
      p += 46 + nameLen + extraLen + commentLen
    }
    return entries
  } finally {
    await fh.close()
  }
}

/**
 * Extracts every file of a zip archive into `dir` (stored and deflate entries, inflated with
 * node:zlib as they stream), checking each entry's CRC-32 and size. Names that would escape `dir`
 * are refused.
 *
 * @example
 * ```ts
 * const files = await extractZip('ml-100k.zip', '/tmp/out') // ['ml-100k/u.data', ...]
 * ```
 * @throws RecForgeError PARSE_ERROR for a damaged archive or an unsupported method; CHECKSUM_MISMATCH when an entry's CRC-32 or size is wrong; IO_ERROR when writing fails.
 */
export async function extractZip(file: string, dir: string): Promise<string[]> {
  const entries = await readZipEntries(file)
  const root = path.resolve(dir)
  const out: string[] = []
  const fh = await open(file, 'r')
  try {
    for (const e of entries) {
      const target = path.resolve(root, e.name)
      if (target !== root && !target.startsWith(root + path.sep)) throw new RecForgeError('PARSE_ERROR', `${file}: entry ${JSON.stringify(e.name)} would be written outside ${root}`)
      if (e.isDirectory) {
        await mkdir(target, { recursive: true })
        continue
      }
      if (e.method !== 0 && e.method !== 8) throw new RecForgeError('PARSE_ERROR', `${file}: entry ${e.name} uses compression method ${e.method}; only stored (0) and deflate (8) are supported`)
      const lh = Buffer.alloc(30)
      await fh.read(lh, 0, 30, e.offset)
      if (lh.readUInt32LE(0) !== 0x04034b50) throw new RecForgeError('PARSE_ERROR', `${file}: local header of ${e.name} is damaged`)
      const start = e.offset + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28)
      await mkdir(path.dirname(target), { recursive: true })
      const crc = new CrcCheck()
      const src = e.compressedSize === 0 ? [] : createReadStream(file, { start, end: start + e.compressedSize - 1 })
      try {
        if (e.method === 8) await pipeline(src, createInflateRaw(), crc, createWriteStream(target))
        else await pipeline(src, crc, createWriteStream(target))
      } catch (err) {
        throw new RecForgeError('PARSE_ERROR', `${file}: cannot extract ${e.name}: ${(err as Error).message}`, { cause: err })
      }
      if (crc.size !== e.size || crc.value() !== e.crc32) {
        throw new RecForgeError('CHECKSUM_MISMATCH', `${file}: entry ${e.name} is corrupt: expected ${e.size} bytes with CRC-32 ${e.crc32.toString(16)}, got ${crc.size} bytes with ${crc.value().toString(16)}`)
      }
      out.push(e.name)
    }
  } finally {
    await fh.close()
  }
  return out
}
