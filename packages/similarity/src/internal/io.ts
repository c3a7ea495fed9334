import { RecForgeError } from '@recforge/core'

/** Writes bytes atomically through `@recforge/core/node` (loaded lazily so the main entry stays free of `node:fs`). */
export async function writeBytesAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const { writeFileAtomic } = await import('@recforge/core/node')
  await writeFileAtomic(file, bytes)
}

/** Reads a whole file, turning failures into IO_ERROR. */
export async function readBytes(file: string): Promise<Uint8Array> {
  const { readFile } = await import('node:fs/promises')
  try {
    return new Uint8Array(await readFile(file))
  } catch (e) {
    throw new RecForgeError('IO_ERROR', `could not read index file ${file}: ${(e as Error).message}`, { cause: e })
  }
}
