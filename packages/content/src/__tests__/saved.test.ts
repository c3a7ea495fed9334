import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeArtifacts, plantedFixture } from '@recforge/core'
import { describe, expect, it } from 'vitest'
import { ContentRecommender, HybridRecommender } from '../index'
import { CountCF } from './helpers'

// Model files written by the code before the parameter schema (commit 6a9dad6): a hybrid of format
// 2 with its CF model nested by hand and the options `cfFactors` and `ridge` (now `factors` and
// `l2`), and a content model of format 1; saved-scores.json holds the scores that code gave.
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures')
const file = (name: string) => decodeArtifacts(new Uint8Array(readFileSync(path.join(dir, name))), name)
const expected = JSON.parse(readFileSync(path.join(dir, 'saved-scores.json'), 'utf8')) as {
  hybrid: Record<string, number[]>
  content: Record<string, number[]>
  blend: unknown
}
const all = Int32Array.from({ length: plantedFixture().train.items.size }, (_, i) => i)

describe('model files saved by earlier builds', () => {
  it('a format-2 hybrid loads with its renamed options, nested CF model and learned blend, scoring as it did', async () => {
    const a = file('hybrid-format2.rfm')
    expect(a.formatVersion).toBe(2)
    expect(a.config).toMatchObject({ cfFactors: 8, ridge: 3 })
    const m = await HybridRecommender.load(a, { loadCf: (x) => CountCF.load(x) })
    expect(m.config).toMatchObject({ factors: 8, l2: 3, seed: 7, encoder: 'hashing', dimensions: 64 })
    expect(Object.keys(m.config)).not.toContain('cfFactors')
    expect(m.cfModel.name).toBe('countcf')
    expect(JSON.parse(JSON.stringify(m.blend))).toEqual(expected.blend)
    for (const [u, scores] of Object.entries(expected.hybrid)) expect(Array.from(m.score(Number(u), all))).toEqual(scores)
    // saved again, it keeps only the new names and loads back the same
    const again = await HybridRecommender.load(await m.save(), { loadCf: (x) => CountCF.load(x) })
    expect(Object.keys(again.config)).not.toContain('ridge')
    for (const u of Object.keys(expected.hybrid)) expect(Array.from(again.score(Number(u), all))).toEqual(Array.from(m.score(Number(u), all)))
  })

  it('a format-1 content model loads and scores as it did', async () => {
    const m = (await ContentRecommender.load(file('content-format1.rfm'))) as ContentRecommender
    expect(m.config.similarity).toBe('dot')
    expect(m.encoderId).toMatch(/^tfidf-/)
    for (const [u, scores] of Object.entries(expected.content)) expect(Array.from(m.score(Number(u), all))).toEqual(scores)
  })
})
