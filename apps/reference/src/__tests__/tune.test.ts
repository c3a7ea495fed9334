import { describe, expect, it } from 'vitest'
import { resolveParams } from '@recforge/core'
import { candidates, parseSearchSpace, runTune } from '../commands'
import { createRegistry } from '../models'
import { TUNE_SPACES } from '../tuneSpaces'
import { runCli } from './helpers'

const registry = createRegistry()

describe('recforge tune', () => {
  it('has a built-in search space for every registered model, over its own parameters', () => {
    const names = registry.list().map((d) => d.name)
    expect(Object.keys(TUNE_SPACES).sort()).toEqual([...names].sort())
    for (const def of registry.list()) {
      const space = parseSearchSpace(TUNE_SPACES[def.name]!, def.params, def.name)
      expect(Object.keys(space).length, def.name).toBeGreaterThan(0)
      // every drawn candidate passes the model's own checks
      for (const c of candidates(space, 'random', 4, 1)) expect(() => resolveParams(def, c), def.name).not.toThrow()
    }
  })

  it('reads the candidates of a list parameter separated by ";", each a whole list', () => {
    const def = registry.get('multvae')
    const space = parseSearchSpace(['layers=600,200;200', 'dropout=0.25,0.5'], def.params, def.name)
    const grid = candidates(space, 'grid', 0, 1)
    expect(grid).toHaveLength(4)
    expect(grid.map((c) => resolveParams(def, c)['layers'])).toEqual([[600, 200], [600, 200], [200], [200]])
    expect(grid.map((c) => resolveParams(def, c)['dropout'])).toEqual([0.25, 0.5, 0.25, 0.5])
  })

  it('with defaults: scores them first, keeps them on a tie, and reports their test score beside the best', async () => {
    const out = await runTune({ data: 'synthetic:small', model: 'itemknn', protocol: 'holdout-full', k: 10, seed: 3, search: 'grid', trials: 0, params: ['neighbors=5,100'], withDefaults: true, quiet: true }, registry)
    expect(out.trials).toHaveLength(3)
    expect(out.trials[0]!.params).toEqual(out.defaults!.params)
    expect(out.defaults!.params['neighbors']).toBe(100)
    // the third candidate is the defaults again: the same score, and the tie keeps the first
    expect(out.trials[2]!.validation).toBe(out.trials[0]!.validation)
    expect(out.best).not.toBe(out.trials[2])
    expect(out.defaults!.validation).toBe(out.trials[0]!.validation)
    expect(out.defaults!.test.metrics['ndcg@10']).toBeGreaterThan(0)
    if (out.best === out.trials[0]) expect(out.defaults!.test).toBe(out.test)
    else {
      expect(out.best).toBe(out.trials[1])
      expect(out.best.validation).toBeGreaterThan(out.trials[0]!.validation)
      expect(out.defaults!.test.metrics).not.toEqual(out.test.metrics)
    }
  }, 120_000)

  it('tunes over the built-in space when no --param is given, and prints the defaults line', async () => {
    const r = await runCli(['tune', '--data', 'synthetic:small', '--model', 'pop', '--protocol', 'holdout-full', '--trials', '2', '--with-defaults'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/halfLifeDays/)
    expect(r.stdout).toMatch(/^defaults: validation ndcg@10=/m)
    const lines = r.stdout.trim().split('\n').filter((l) => l.includes('validation ndcg@10=') && l.startsWith('{'))
    expect(lines).toHaveLength(3)
  }, 120_000)
})
