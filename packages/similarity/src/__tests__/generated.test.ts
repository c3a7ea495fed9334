import { fileURLToPath } from 'node:url'
import { checkGenerated } from '@recforge/codegen'
import { describe, expect, it } from 'vitest'

describe('generated modules', () => {
  it('match their sources byte for byte (distance.wat compiled)', async () => {
    const { outputs, stale } = await checkGenerated(fileURLToPath(new URL('../..', import.meta.url)))
    expect(outputs).toEqual(['src/internal/distance.wasm.generated.ts'])
    expect(stale).toEqual([])
  })
})
