import { describe, expect, it } from 'vitest'
import { Random } from '@recforge/core'
import { Adam } from '@recforge/compute'
import { CfganNet, fillMasks, type Activation, type BinaryRows } from '../internal/cfganNet'
import { jsProduct } from '../internal/dense'

// four binary vectors of six entries; the batch takes rows 2, 0 and 3 (row 3 is empty)
const data: BinaryRows = { indptr: Int32Array.from([0, 2, 3, 6, 6]), indices: Int32Array.from([0, 3, 5, 1, 2, 4]) }
const rows = Int32Array.from([2, 0, 3])
const cols = 6

function net(activation: Activation): CfganNet {
  const n = new CfganNet({ cols, hidden: 4, discriminatorHidden: 3, activation }, jsProduct)
  n.init(new Random(11))
  // larger biases than init's, so the ReLU units sit away from their kink
  for (let j = 0; j < n.g.length; j++) n.g[j]! += 0.05 * Math.sin(3 * j)
  for (let j = 0; j < n.d.length; j++) n.d[j]! += 0.05 * Math.cos(5 * j)
  return n
}

function masks(): { pm: Float32Array; zr: Float32Array } {
  const pm = new Float32Array(rows.length * cols)
  const zr = new Float32Array(rows.length * cols)
  fillMasks(data, rows, cols, { ratio: 0.5, seed: 3, out: pm }, { ratio: 0.5, seed: 4, out: zr })
  return { pm, zr }
}

/** Central differences of `loss` in each parameter of `p`, over the float32 steps actually stored. */
function numericGrad(p: Float32Array, loss: () => number, h = 1e-2): Float64Array {
  const out = new Float64Array(p.length)
  for (let j = 0; j < p.length; j++) {
    const x = p[j]!
    p[j] = x + h
    const xUp = p[j]!
    const up = loss()
    p[j] = x - h
    const xDown = p[j]!
    const down = loss()
    p[j] = x
    out[j] = (up - down) / (xUp - xDown)
  }
  return out
}

function expectClose(analytic: Float32Array, numeric: Float64Array): void {
  let worst = 0
  let scale = 0
  for (let j = 0; j < analytic.length; j++) {
    worst = Math.max(worst, Math.abs(analytic[j]! - numeric[j]!))
    scale = Math.max(scale, Math.abs(numeric[j]!))
  }
  expect(scale).toBeGreaterThan(1e-3)
  expect(worst / scale).toBeLessThan(2e-2)
}

describe('CfganNet', () => {
  it('fillMasks keeps observed entries in PM, out of ZR, and draws the rest with the ratio, the same in every call', () => {
    const { pm, zr } = masks()
    for (let b = 0; b < rows.length; b++) {
      const r = rows[b]!
      for (let q = data.indptr[r]!; q < data.indptr[r + 1]!; q++) {
        expect(pm[b * cols + data.indices[q]!]).toBe(1)
        expect(zr[b * cols + data.indices[q]!]).toBe(0)
      }
    }
    const again = masks()
    expect(Array.from(again.pm)).toEqual(Array.from(pm))
    expect(Array.from(again.zr)).toEqual(Array.from(zr))
    const big: BinaryRows = { indptr: new Int32Array(201), indices: new Int32Array(0) }
    const all = Int32Array.from({ length: 200 }, (_, i) => i)
    const out = new Float32Array(200 * 50)
    fillMasks(big, all, 50, { ratio: 0.3, seed: 9, out })
    const share = out.reduce((a, b) => a + b, 0) / out.length
    expect(share).toBeGreaterThan(0.28)
    expect(share).toBeLessThan(0.32)
  })

  for (const activation of ['sigmoid', 'relu'] as const) {
    it(`discriminator gradient matches central differences (${activation})`, () => {
      const n = net(activation)
      const { pm } = masks()
      n.discriminatorStep(data, rows, pm)
      const analytic = Float32Array.from(n.dGrad)
      expectClose(analytic, numericGrad(n.d, () => n.discriminatorStep(data, rows, pm)))
    })

    it(`generator gradient matches central differences, with ZR and L2 (${activation})`, () => {
      const n = net(activation)
      const { pm, zr } = masks()
      const step = () => n.generatorStep(data, rows, pm, zr, 0.3, 0.01)
      step()
      const analytic = Float32Array.from(n.gGrad)
      expectClose(analytic, numericGrad(n.g, step))
    })
  }

  it('the generator loss is the adversarial term plus zrWeight · Σ_ZR G² / B plus l2 · ½‖θ‖²', () => {
    const n = net('sigmoid')
    const { pm, zr } = masks()
    const base = n.generatorStep(data, rows, pm, zr, 0, 0)
    const out = n.generate(data, rows).out
    let zrSum = 0
    for (let j = 0; j < out.length; j++) zrSum += zr[j]! * out[j]! * out[j]!
    let norm = 0
    for (const w of n.g) norm += w * w
    expect(n.generatorStep(data, rows, pm, zr, 0.5, 0.02)).toBeCloseTo(base + (0.5 * zrSum) / rows.length + 0.01 * norm, 5)
  })

  it('the discriminator, trained against a fixed generator, learns to tell real vectors from generated ones', () => {
    const n = net('sigmoid')
    const { pm } = masks()
    const adam = new Adam(n.d, { learningRate: 0.05 })
    const first = n.discriminatorStep(data, rows, pm)
    let last = first
    for (let s = 0; s < 200; s++) {
      last = n.discriminatorStep(data, rows, pm)
      adam.step()
      adam.update(n.d, n.dGrad, 0, 0, n.d.length)
    }
    // 2·ln 2 ≈ 1.386 is the loss of a discriminator that cannot tell them apart
    expect(first).toBeGreaterThan(1.2)
    expect(last).toBeLessThan(0.1)
  })
})
