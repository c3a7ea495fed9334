import { fileURLToPath } from 'node:url'
import { checkGenerated } from '@recforge/codegen'
import { describe, expect, it } from 'vitest'

describe('generated modules', () => {
  it('match their sources byte for byte (kernels.wat compiled, kernels.worker.ts bundled)', async () => {
    const { outputs, stale } = await checkGenerated(fileURLToPath(new URL('../..', import.meta.url)))
    expect(outputs).toEqual(['src/internal/kernels.wasm.generated.ts', 'src/internal/kernels.worker.generated.ts'])
    expect(stale).toEqual([])
  })
})
