import { describe, expect, it } from 'vitest'
import { runEvaluate } from '../evaluate'
import { createRegistry } from '../models'

const registry = createRegistry()
const run = (set?: Record<string, string>) => runEvaluate({ data: 'synthetic:small', model: 'mf', protocol: 'rating-holdout', seed: 42, ...(set ? { set } : {}) }, registry)

describe('--set seed', () => {
  it("fits the model with its own seed on the run's split, and --seed alone seeds both", async () => {
    const [plain, same, other] = [await run(), await run({ seed: '42', epochs: '5' }), await run({ seed: '43', epochs: '5' })]
    const five = await run({ epochs: '5' })
    expect(same.metrics).toEqual(five.metrics)
    expect(other.metrics['rmse']).not.toBe(five.metrics['rmse'])
    expect(other.params['seed']).toBe(43)
    // the split is the run's: the same held-out pairs are scored
    expect(other.seed).toBe(42)
    expect(other.usersEvaluated).toBe(five.usersEvaluated)
    expect(plain.params['seed']).toBe(42)
  })
})
