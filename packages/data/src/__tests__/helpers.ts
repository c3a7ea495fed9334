import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isRecForgeError, type RecForgeErrorCode } from '@recforge/core'

/** A fresh temporary folder. */
export function tmpDir(prefix = 'recforge-data-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** Writes files (string or bytes) under `dir`, creating folders. */
export function writeFiles(dir: string, files: Record<string, string | Uint8Array>): void {
  for (const [name, content] of Object.entries(files)) {
    const f = path.join(dir, name)
    mkdirSync(path.dirname(f), { recursive: true })
    writeFileSync(f, content)
  }
}

/** Awaits `p` and returns the RecForgeError it rejects with, failing when it resolves or throws something else. */
export async function rejection(p: Promise<unknown>, code: RecForgeErrorCode): Promise<Error & { code: string; location?: { file?: string; line?: number; text?: string } }> {
  try {
    await p
  } catch (e) {
    if (!isRecForgeError(e, code)) throw new Error(`expected RecForgeError ${code}, got ${String(e)}`)
    return e as Error & { code: string }
  }
  throw new Error(`expected a RecForgeError ${code}; the call succeeded`)
}
