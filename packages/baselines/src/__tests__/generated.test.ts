import { fileURLToPath } from 'node:url'
import { checkGenerated } from '@recforge/codegen'
import { describe, expect, it } from 'vitest'

describe('generated modules', () => {
  it('match their sources byte for byte (sweep.wat compiled, kernels.worker.ts bundled)', async () => {
    const { outputs, stale } = await checkGenerated(fileURLToPath(new URL('../..', import.meta.url)))
    expect(outputs).toEqual(['src/internal/kernels.worker.generated.ts', 'src/internal/sweep.wasm.generated.ts'])
    expect(stale).toEqual([])
  })
})
