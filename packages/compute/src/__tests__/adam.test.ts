import { Random } from '@recforge/core'
import { describe, expect, it } from 'vitest'
import { Adam, glorotUniform } from '../index'

describe('Adam', () => {
  it('takes the paper\'s first steps by hand (bias correction, epsilon on the corrected root)', () => {
    const p = new Float64Array([1, -2])
    const adam = new Adam(p, { learningRate: 0.1, epsilon: 1e-8 })
    adam.step()
    adam.update(p, [0.5, -4], 0, 0, 2)
    // t = 1: m̂ = g, v̂ = g², so the step is lr·g/(|g| + eps) = ±0.1 (up to eps)
    expect(p[0]).toBeCloseTo(1 - 0.1 * (0.5 / (0.5 + 1e-8)), 12)
    expect(p[1]).toBeCloseTo(-2 + 0.1 * (4 / (4 + 1e-8)), 12)
    adam.step()
    adam.update(p, [0.25, 0], 0, 0, 2)
    // t = 2, parameter 0: m = 0.9·0.05 + 0.1·0.25 = 0.07, v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225
    const mHat = 0.07 / (1 - 0.81)
    const vHat = 0.00031225 / (1 - 0.999 ** 2)
    expect(p[0]).toBeCloseTo(1 - 0.1 * (0.5 / (0.5 + 1e-8)) - (0.1 * mHat) / (Math.sqrt(vHat) + 1e-8), 12)
    expect(adam.iterations).toBe(2)
  })

  it('follows textbook Adam (Kingma & Ba 2015, Algorithm 1) over several steps, densely and per row', () => {
    const [lr, b1, b2, eps] = [0.1, 0.8, 0.99, 1e-3]
    const ref = (theta: number[], m: number[], v: number[], g: number[], t: number, at = 0) => {
      for (let i = 0; i < g.length; i++) {
        m[at + i] = b1 * m[at + i]! + (1 - b1) * g[i]!
        v[at + i] = b2 * v[at + i]! + (1 - b2) * g[i]! ** 2
        theta[at + i] = theta[at + i]! - (lr * (m[at + i]! / (1 - b1 ** t))) / (Math.sqrt(v[at + i]! / (1 - b2 ** t)) + eps)
      }
    }
    const p = new Float64Array([1, -2, 0.5])
    const adam = new Adam(p, { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps })
    const theta = [1, -2, 0.5]
    const m = [0, 0, 0]
    const v = [0, 0, 0]
    const grads = [[0.5, -1, 2], [0.1, 0.3, -4], [-2, 0, 0.25], [1, 1, 1]]
    for (const [t, g] of grads.entries()) {
      adam.step()
      adam.update(p, g, 0, 0, 3)
      ref(theta, m, v, g, t + 1)
    }
    for (let i = 0; i < 3; i++) {
      expect(p[i]).toBeCloseTo(theta[i]!, 12)
      expect(adam.m[i]).toBeCloseTo(m[i]!, 12)
      expect(adam.v[i]).toBeCloseTo(v[i]!, 12)
    }
    // per row: moments per row, bias correction from the shared step count; row 4 is never touched
    const init = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    const lazy = Float64Array.from(init)
    const rowsAdam = new Adam(lazy, { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps })
    const th = [...init]
    const mm = new Array<number>(10).fill(0)
    const vv = new Array<number>(10).fill(0)
    const steps: [number[], number[]][] = [[[2, 0], [1, -1, 0.5, 0.5]], [[1], [3, -3]], [[0, 3], [-1, 2, 0.25, 0.25]]]
    for (const [t, [rows, g]] of steps.entries()) {
      rowsAdam.step()
      rowsAdam.updateRows(lazy, g, Int32Array.from(rows), rows.length, 2)
      rows.forEach((r, j) => ref(th, mm, vv, g.slice(2 * j, 2 * j + 2), t + 1, 2 * r))
    }
    for (let i = 0; i < 10; i++) expect(lazy[i]).toBeCloseTo(th[i]!, 12)
    expect(Array.from(lazy.subarray(8))).toEqual([9, 10])
    expect(Array.from(rowsAdam.v.subarray(8))).toEqual([0, 0])
  })

  it('keeps float32 moments for float32 parameters', () => {
    const p = new Float32Array(3)
    const adam = new Adam(p, { learningRate: 0.01 })
    expect(adam.m).toBeInstanceOf(Float32Array)
    expect(adam.v.length).toBe(3)
  })

  it('updates only the rows a batch touched, with the same result as a dense update of those rows', () => {
    const rng = new Random(3)
    const base = rng.fillNormal(new Float32Array(5 * 4), 0, 1) as Float32Array
    const lazy = base.slice()
    const dense = base.slice()
    const a = new Adam(lazy, { learningRate: 0.05 })
    const b = new Adam(dense, { learningRate: 0.05 })
    const rows = new Int32Array([3, 0])
    const grad = Float32Array.from({ length: 8 }, (_, j) => (j - 3) / 4)
    const full = new Float32Array(20)
    full.set(grad.subarray(0, 4), 12)
    full.set(grad.subarray(4, 8), 0)
    for (let s = 0; s < 3; s++) {
      a.step()
      a.updateRows(lazy, grad, rows, 2, 4)
      b.step()
      b.update(dense, full, 0, 0, 20)
    }
    for (const r of [0, 3]) for (let c = 0; c < 4; c++) expect(lazy[r * 4 + c]).toBeCloseTo(dense[r * 4 + c]!, 6)
    // untouched rows keep their values and zero moments
    for (const r of [1, 2, 4]) for (let c = 0; c < 4; c++) {
      expect(lazy[r * 4 + c]).toBe(base[r * 4 + c])
      expect(a.m[r * 4 + c]).toBe(0)
    }
  })

  it('minimises a quadratic', () => {
    const p = new Float64Array([5, -3])
    const adam = new Adam(p, { learningRate: 0.1 })
    for (let s = 0; s < 500; s++) {
      adam.step()
      adam.update(p, [2 * (p[0]! - 1), 2 * (p[1]! + 2)], 0, 0, 2)
    }
    expect(p[0]).toBeCloseTo(1, 3)
    expect(p[1]).toBeCloseTo(-2, 3)
  })

  it('rejects bad hyper-parameters by name', () => {
    expect(() => new Adam(new Float32Array(1), { learningRate: 0 })).toThrow(/learningRate/)
    expect(() => new Adam(new Float32Array(1), { learningRate: 0.1, beta1: 1 })).toThrow(/beta1/)
    expect(() => new Adam(new Float32Array(1), { learningRate: 0.1, epsilon: -1 })).toThrow(/epsilon/)
  })
})

describe('glorotUniform', () => {
  it('draws U(-l, l) with l = sqrt(6 / (fanIn + fanOut)), one rng.float() per value, in order', () => {
    const w = glorotUniform(new Float64Array(6), 2, 3, new Random(9))
    const rng = new Random(9)
    const l = Math.sqrt(6 / 5)
    for (let j = 0; j < 6; j++) expect(w[j]).toBe((rng.float() * 2 - 1) * l)
    const part = glorotUniform(new Float32Array(8), 2, 2, new Random(1), 2, 3)
    expect(Array.from(part.subarray(0, 2))).toEqual([0, 0])
    expect(Array.from(part.subarray(5))).toEqual([0, 0, 0])
    for (const x of part.subarray(2, 5)) expect(Math.abs(x)).toBeLessThanOrEqual(Math.sqrt(6 / 4))
  })
})
