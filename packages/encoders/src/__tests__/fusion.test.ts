import { describe, expect, it } from 'vitest'
import { InteractionsBuilder, Random, decodeArtifacts, encodeArtifacts } from '@recforge/core'
import { LinearProjection, alignToInteractions, concatFusion, interactionSketch, normalizeRows, userVectorsFromItems, userVectorsFromText, weightedSumFusion, HashingEncoder } from '../index'

describe('fusion', () => {
  it('concatenates unit blocks scaled by √weight, so dot products are weighted cosine sums', () => {
    const a = new Float32Array([3, 4, 1, 0])
    const b = new Float32Array([2, 0, 0, 5])
    const { vectors, dimensions } = concatFusion([{ vectors: a, dimensions: 2 }, { vectors: b, dimensions: 2, weight: 4 }])
    expect(dimensions).toBe(4)
    expect(Array.from(vectors).map((x) => +x.toFixed(5))).toEqual([0.6, 0.8, 2, 0, 1, 0, 0, 2])
    let d01 = 0
    for (let j = 0; j < 4; j++) d01 += vectors[j]! * vectors[4 + j]!
    expect(d01).toBeCloseTo(0.6 * 1 + 4 * 0, 5)
  })

  it('sums weighted unit blocks of equal size and rejects mismatched blocks', () => {
    const out = weightedSumFusion([
      { vectors: new Float32Array([1, 0]), dimensions: 2, weight: 1 },
      { vectors: new Float32Array([0, 2]), dimensions: 2, weight: 1 },
    ])
    expect(out.vectors[0]).toBeCloseTo(Math.SQRT1_2, 5)
    expect(out.vectors[1]).toBeCloseTo(Math.SQRT1_2, 5)
    expect(() => weightedSumFusion([{ vectors: new Float32Array(2), dimensions: 2 }, { vectors: new Float32Array(3), dimensions: 3 }])).toThrow(/Align/)
    expect(() => concatFusion([{ vectors: new Float32Array(4), dimensions: 2 }, { vectors: new Float32Array(3), dimensions: 3 }])).toThrow(/rows/)
  })

  it('LinearProjection recovers a known linear map and survives artifacts', () => {
    const rng = new Random(1)
    const n = 200
    const X = rng.fillNormal(new Float32Array(n * 3)) as Float32Array
    const W = [1, -2, 0.5, 3, 0, 1]
    const Y = new Float32Array(n * 2)
    for (let r = 0; r < n; r++) for (let c = 0; c < 2; c++) Y[r * 2 + c] = X[r * 3]! * W[c]! + X[r * 3 + 1]! * W[2 + c]! + X[r * 3 + 2]! * W[4 + c]! + (c === 0 ? 0.25 : -1)
    const p = LinearProjection.fit({ vectors: X, dimensions: 3 }, { vectors: Y, dimensions: 2 }, { l2: 1e-6 })
    Array.from(p.weights).forEach((w, i) => expect(w).toBeCloseTo(W[i]!, 4))
    expect(p.bias[0]).toBeCloseTo(0.25, 4)
    expect(p.bias[1]).toBeCloseTo(-1, 4)
    const a = decodeArtifacts(encodeArtifacts({ model: 'x', formatVersion: 1, config: {}, tensors: p.toTensors() }))
    const q = LinearProjection.fromTensors(a, 3, 2)
    expect(Array.from(q.project(X.subarray(0, 3)))).toEqual(Array.from(p.project(X.subarray(0, 3))))
    expect(() => LinearProjection.fit({ vectors: X, dimensions: 3 }, { vectors: Y.subarray(0, 10), dimensions: 2 })).toThrow(/rows/)
  })

  it('LinearProjection fits and projects sparse rows (TF-IDF-like) as it does dense ones', () => {
    const rng = new Random(3)
    const n = 150
    const d = 12
    const X = new Float32Array(n * d)
    // mostly zeros: the sparse path; every column non-zero in some rows so the map is identifiable
    for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) if ((r + j) % 8 === 0 || rng.float() < 0.05) X[r * d + j] = rng.normal()
    const W = Float32Array.from({ length: d * 2 }, () => rng.normal())
    const Y = new Float32Array(n * 2)
    for (let r = 0; r < n; r++) for (let c = 0; c < 2; c++) for (let j = 0; j < d; j++) Y[r * 2 + c]! += X[r * d + j]! * W[j * 2 + c]!
    const rows = Int32Array.from({ length: 140 }, (_, i) => i + 10)
    const p = LinearProjection.fit({ vectors: X, dimensions: d }, { vectors: Y, dimensions: 2 }, { l2: 1e-6, rows })
    Array.from(p.weights).forEach((w, i) => expect(w).toBeCloseTo(W[i]!, 3))
    // a dense and a sparse row project to what the weights say
    const probe = new Float32Array(2 * d)
    for (let j = 0; j < d; j++) probe[j] = rng.normal()
    probe[d + 3] = 2
    const out = p.project(probe)
    for (let r = 0; r < 2; r++) {
      for (let c = 0; c < 2; c++) {
        let want = p.bias[c]!
        for (let j = 0; j < d; j++) want += probe[r * d + j]! * p.weights[j * 2 + c]!
        expect(out[r * 2 + c]).toBeCloseTo(want, 4)
      }
    }
  })

  it('aligns two views of the same items (text, image) in one space better than chance', () => {
    const rng = new Random(5)
    const n = 300
    const latent = rng.fillNormal(new Float32Array(n * 4)) as Float32Array
    const view = (d: number) => {
      const M = rng.fillNormal(new Float32Array(4 * d)) as Float32Array
      const out = new Float32Array(n * d)
      for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) for (let k = 0; k < 4; k++) out[r * d + c]! += latent[r * 4 + k]! * M[k * d + c]!
      for (let i = 0; i < out.length; i++) out[i]! += 0.1 * rng.normal()
      return out
    }
    const text = view(12)
    const image = view(9)
    const train = Int32Array.from({ length: 200 }, (_, i) => i)
    const p = LinearProjection.fit({ vectors: image, dimensions: 9 }, { vectors: text, dimensions: 12 }, { rows: train, l2: 0.1 })
    const aligned = normalizeRows(p.project(image.slice(200 * 9)), 12)
    const t = normalizeRows(text.slice(200 * 12), 12)
    // held-out items: the aligned image vector's nearest text vector is its own item
    let hits = 0
    for (let i = 0; i < 100; i++) {
      let best = -1
      let bestS = -Infinity
      for (let j = 0; j < 100; j++) {
        let s = 0
        for (let c = 0; c < 12; c++) s += aligned[i * 12 + c]! * t[j * 12 + c]!
        if (s > bestS) (bestS = s), (best = j)
      }
      if (best === i) hits++
    }
    expect(hits).toBeGreaterThan(60)
  })

  it('interactionSketch puts co-consumed items together; alignToInteractions maps content there', () => {
    const b = new InteractionsBuilder()
    for (let u = 0; u < 40; u++) for (let i = 0; i < 5; i++) b.push(`u${u}`, `i${(u % 2) * 5 + i}`)
    const data = b.build()
    const { vectors, dimensions } = interactionSketch(data, { dimensions: 32 })
    const dot = (x: number, y: number) => {
      let s = 0
      for (let c = 0; c < dimensions; c++) s += vectors[x * dimensions + c]! * vectors[y * dimensions + c]!
      return s
    }
    expect(dot(0, 1)).toBeCloseTo(1, 5)
    expect(dot(0, 1)).toBeGreaterThan(dot(0, 7) + 0.5)
    const content = new Float32Array(10 * 2)
    for (let i = 0; i < 10; i++) content[i * 2 + (i < 5 ? 0 : 1)] = 1
    const p = alignToInteractions({ vectors: content, dimensions: 2 }, data, { dimensions: 32, l2: 1e-3 })
    const projected = normalizeRows(p.project(new Float32Array([1, 0])), 32)
    let s = 0
    for (let c = 0; c < 32; c++) s += projected[c]! * vectors[c]!
    expect(s).toBeGreaterThan(0.99)
  })
})

describe('user encoders', () => {
  it('averages the vectors of the items a user interacted with, weighted by value', () => {
    const b = new InteractionsBuilder()
    b.push('u0', 'i0', 4)
    b.push('u0', 'i1', 1)
    b.users.add('u1')
    const data = b.build()
    const items = new Float32Array([1, 0, 0, 1])
    const raw = userVectorsFromItems(data, items, 2, { normalize: false })
    Array.from(raw).forEach((x, i) => expect(x).toBeCloseTo([0.8, 0.2, 0, 0][i]!, 6))
    const centered = userVectorsFromItems(data, items, 2, { normalize: false, center: 3 })
    // (4-3)·[1,0] + (1-3)·[0,1], divided by |1| + |-2|
    expect(centered[0]).toBeCloseTo(1 / 3, 6)
    expect(centered[1]).toBeCloseTo(-2 / 3, 6)
    expect(() => userVectorsFromItems(data, new Float32Array(6), 2)).toThrow(/item vectors/)
  })

  it('encodes user text with a text encoder; users without text get zeros', async () => {
    const enc = new HashingEncoder({ dimensions: 32 })
    const v = await userVectorsFromText(enc, ['likes heist thrillers', undefined, ''])
    expect(v.length).toBe(96)
    expect(Array.from(v.subarray(0, 32))).toEqual(Array.from(await enc.encode(['likes heist thrillers'])))
    expect(v.subarray(32).every((x) => x === 0)).toBe(true)
  })
})
