import { ModelRegistry, decodeArtifacts, encodeArtifacts, plantedFixture } from '@recforge/core'
import { describe, expect, it } from 'vitest'
import { privacyModels, privacyReportOf } from '../index'

describe('privacyModels', () => {
  it('registers dpmf, dppop and fedmf; each created from strings reports its privacy, also after loading', async () => {
    expect(privacyModels.map((d) => [d.name, d.task])).toEqual([
      ['dpmf', 'rating'],
      ['dppop', 'ranking'],
      ['fedmf', 'rating'],
    ])
    const registry = new ModelRegistry().register(...privacyModels)
    const { train } = plantedFixture({ ratings: true })
    const units = { dpmf: 'rating', dppop: 'rating', fedmf: 'user' } as Record<string, string>
    for (const d of privacyModels) {
      expect(d.package).toBe('@recforge/privacy')
      const given: Record<string, string> = d.name === 'dppop' ? { epsilon: '3' } : { epsilon: '3', epochs: '2' }
      const { model } = registry.create(d.name, given as unknown as Record<string, number>)
      await model.fit(train)
      const report = privacyReportOf(model)!
      expect(report.unit).toBe(units[d.name])
      expect(report.epsilon).toBeLessThanOrEqual(3)
      expect(report.epsilon).toBeGreaterThan(2.9)
      const again = await d.load(decodeArtifacts(encodeArtifacts(await model.save())))
      expect(privacyReportOf(again)).toEqual(report)
    }
  })
})
