import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkGenerated, generate } from '@recforge/codegen'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('../..', import.meta.url))

describe('generated modules', () => {
  it('match their sources byte for byte', async () => {
    const { outputs, stale } = await checkGenerated(packageDir)
    expect(outputs).toEqual(['src/__tests__/fixtures/kernels.worker.generated.ts', 'src/__tests__/fixtures/sum.wasm.generated.ts'])
    expect(stale).toEqual([])
  })

  it('the check fails for an edited source, a missing output and an output without a source', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'recforge-codegen-'))
    try {
      mkdirSync(path.join(dir, 'src'))
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: '@recforge/example' }))
      const wat = path.join(dir, 'src', 'tiny.wat')
      writeFileSync(wat, ';; A tiny module.\n(module (func (export "one") (result i32) (i32.const 1)))\n')
      expect(await checkGenerated(dir)).toEqual({ outputs: ['src/tiny.wasm.generated.ts'], stale: ['src/tiny.wasm.generated.ts'] })
      expect(await generate(dir)).toEqual([path.join('src', 'tiny.wasm.generated.ts')])
      expect(readFileSync(path.join(dir, 'src', 'tiny.wasm.generated.ts'), 'utf8')).toContain("export const tinyWasm = {\n  name: '@recforge/example/src/tiny.wat',")
      expect((await checkGenerated(dir)).stale).toEqual([])
      writeFileSync(wat, ';; A tiny module.\n(module (func (export "one") (result i32) (i32.const 2)))\n')
      expect((await checkGenerated(dir)).stale).toEqual(['src/tiny.wasm.generated.ts'])
      writeFileSync(path.join(dir, 'src', 'gone.worker.generated.ts'), '')
      expect(await checkGenerated(dir)).toEqual({ outputs: ['src/gone.worker.generated.ts', 'src/tiny.wasm.generated.ts'], stale: ['src/gone.worker.generated.ts', 'src/tiny.wasm.generated.ts'] })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
