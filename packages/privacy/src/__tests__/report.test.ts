import { describe, expect, it } from 'vitest'
import { privacyReportOf, weakestPrivacy, type PrivacyReport } from '../index'

describe('privacy reports', () => {
  const r = (epsilon: number, delta: number): PrivacyReport => ({ epsilon, delta, mechanism: 'dp-sgd', unit: 'rating' })

  it('reads a model\'s report, and nothing from models without one', () => {
    expect(privacyReportOf({ privacy: { ...r(1, 1e-5), extra: 1 } })).toEqual(r(1, 1e-5))
    expect(privacyReportOf({ privacy: undefined })).toBeUndefined()
    expect(privacyReportOf({ privacy: { epsilon: '1' } })).toBeUndefined()
    expect(privacyReportOf({})).toBeUndefined()
  })

  it('takes the largest epsilon and delta of models trained alike on different data', () => {
    expect(weakestPrivacy([r(0.9, 2e-5), r(1, 1e-5)])).toEqual(r(1, 2e-5))
    expect(() => weakestPrivacy([])).toThrow(/at least one report/)
    expect(() => weakestPrivacy([r(1, 1e-5), { ...r(1, 1e-5), unit: 'user' }])).toThrow(/dp-sgd per rating and dp-sgd per user/)
  })
})
