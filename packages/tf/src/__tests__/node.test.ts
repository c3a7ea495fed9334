import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { RecForgeError, type ModelArtifacts } from '@recforge/core'
import { directoryHandler, loadArtifactsDir, saveArtifactsDir } from '../node'

const artifacts: ModelArtifacts = {
  model: 'toy',
  formatVersion: 2,
  config: { factors: 3 },
  meta: { users: ['a', 'b'] },
  tensors: { w: new Float32Array([0.5, -1.25, 3]), idx: new Int32Array([7, -2]) },
}

describe('model directories', () => {
  it('round-trips artifacts through model.json + weights.bin, replacing an old save atomically', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'rf-tf-'))
    const dir = path.join(root, 'model')
    await saveArtifactsDir(dir, { ...artifacts, tensors: { w: new Float32Array([9]) } })
    await saveArtifactsDir(dir, artifacts)
    expect((await readdir(root)).sort()).toEqual(['model'])
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin'])
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'))
    expect(json.format).toBe('recforge-tfjs')
    expect(json.formatVersion).toBe(1)
    const back = await loadArtifactsDir(dir)
    expect(back.model).toBe('toy')
    expect(back.formatVersion).toBe(2)
    expect(back.config).toEqual({ factors: 3 })
    expect(back.meta).toEqual({ users: ['a', 'b'] })
    expect(Array.from(back.tensors.w as Float32Array)).toEqual([0.5, -1.25, 3])
    expect(back.tensors.idx).toBeInstanceOf(Int32Array)
    expect(Array.from(back.tensors.idx as Int32Array)).toEqual([7, -2])
    // the handler also loads through the tf.io interface
    const raw = await directoryHandler(dir).load()
    expect(raw.weightSpecs?.map((s) => s.name)).toEqual(['w', 'idx'])
  })
  it('rejects foreign, newer and missing directories and unsupported tensor types', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'rf-tf-'))
    await expect(loadArtifactsDir(path.join(root, 'none'))).rejects.toMatchObject({ code: 'IO_ERROR' })
    await saveArtifactsDir(path.join(root, 'm'), artifacts)
    const file = path.join(root, 'm', 'model.json')
    const json = JSON.parse(await readFile(file, 'utf8'))
    await writeFile(file, JSON.stringify({ ...json, formatVersion: 99 }))
    await expect(loadArtifactsDir(path.join(root, 'm'))).rejects.toMatchObject({ code: 'UNSUPPORTED_VERSION' })
    await writeFile(file, JSON.stringify({ ...json, format: 'layers-model' }))
    await expect(loadArtifactsDir(path.join(root, 'm'))).rejects.toMatchObject({ code: 'PARSE_ERROR' })
    await expect(saveArtifactsDir(path.join(root, 'x'), { ...artifacts, tensors: { d: new Float64Array(2) } })).rejects.toBeInstanceOf(RecForgeError)
  })
})
