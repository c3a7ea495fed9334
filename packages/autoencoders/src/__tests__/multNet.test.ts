import { Random } from '@recforge/core'
import { describe, expect, it } from 'vitest'
import { jsGemm, tfGemm, TF_GEMM_MIN_WORK } from '../internal/gemm'
import { MultNet, largestProduct, multLayout, type SparseRows } from '../internal/multNet'

// three users over 7 items
const batch: SparseRows = { rows: 3, indptr: Int32Array.of(0, 3, 4, 7), indices: Int32Array.of(0, 2, 5, 6, 1, 3, 4) }

/** Largest |analytic − numerical| / max(1e-3, |numerical|) over every parameter, by central differences in float64 arithmetic on float32 weights. */
function worstRelativeError(variational: boolean, l2: number): number {
  const layout = multLayout(7, variational ? [5, 3] : [4], variational)
  const net = new MultNet(layout, jsGemm)
  net.init(new Random(3))
  // larger weights than the initialisation, so tanh and the softmax are well inside their curves
  for (let j = 0; j < net.params.length; j++) net.params[j]! *= 3
  const eps = new Random(9).fillNormal(new Float32Array(3 * 3)) as Float32Array
  const opts = { beta: 0.7, dropout: 0, l2, rng: new Random(1), eps }
  net.lossAndGrad(batch, opts)
  const analytic = net.grads.slice()
  let worst = 0
  const h = 1e-2
  for (let j = 0; j < net.params.length; j++) {
    const w = net.params[j]!
    net.params[j] = w + h
    const up = net.lossAndGrad(batch, opts).loss
    net.params[j] = w - h
    const down = net.lossAndGrad(batch, opts).loss
    net.params[j] = w
    const numeric = (up - down) / (2 * h)
    worst = Math.max(worst, Math.abs(analytic[j]! - numeric) / Math.max(1e-2, Math.abs(numeric)))
  }
  return worst
}

describe('MultNet', () => {
  it('lays out the paper architecture: [I → 600 → 200] encoder with mean and log-variance, mirrored decoder', () => {
    const vae = multLayout(100, [600, 200], true)
    expect(vae.encoder.map((l) => [l.in, l.out, l.tanh])).toEqual([
      [100, 600, true],
      [600, 400, false],
    ])
    expect(vae.decoder.map((l) => [l.in, l.out, l.tanh])).toEqual([
      [200, 600, true],
      [600, 100, false],
    ])
    expect(vae.size).toBe(100 * 600 + 600 + 600 * 400 + 400 + 200 * 600 + 600 + 600 * 100 + 100)
    const dae = multLayout(100, [200], false)
    expect(dae.encoder.map((l) => [l.in, l.out, l.tanh])).toEqual([[100, 200, true]])
    expect(dae.decoder.map((l) => [l.in, l.out, l.tanh])).toEqual([[200, 100, false]])
    // the first layer is sparse, so the largest dense product is the output layer (or 600 × 400 for few items)
    expect(largestProduct(multLayout(10_000, [600, 200], true), 500)).toBe(500 * 600 * 10_000)
    expect(largestProduct(vae, 500)).toBe(500 * 600 * 400)
  })

  it('has analytic gradients equal to central differences (VAE with KL weight, DAE with L2)', () => {
    expect(worstRelativeError(true, 0)).toBeLessThan(2e-2)
    expect(worstRelativeError(false, 0.05)).toBeLessThan(2e-2)
  })

  it('computes the multinomial likelihood and the KL term by hand on a one-user network', () => {
    // one item set {0} of 2 items; all weights zero, so logits = output biases and μ = log σ² = 0
    const layout = multLayout(2, [1], true)
    const net = new MultNet(layout, jsGemm)
    const out = layout.decoder[0]!
    net.params[out.b] = Math.log(3) // logits [log 3, 0] → softmax [3/4, 1/4]
    const t = net.lossAndGrad({ rows: 1, indptr: Int32Array.of(0, 1), indices: Int32Array.of(0) }, { beta: 0.5, dropout: 0, l2: 0, rng: new Random(1), eps: Float32Array.of(0) })
    expect(t.negLogLikelihood).toBeCloseTo(-Math.log(0.75), 6)
    expect(t.kl).toBeCloseTo(0, 6)
    // gradient of the output bias: n_u softmax − x = [3/4 − 1, 1/4]
    expect(net.grads[out.b]).toBeCloseTo(-0.25, 6)
    expect(net.grads[out.b + 1]).toBeCloseTo(0.25, 6)
    // a log-variance bias of log 4 gives KL = ½(−log 4 + 4 − 1) per dimension
    const enc = layout.encoder[0]!
    net.params[enc.b + 1] = Math.log(4)
    expect(net.lossAndGrad({ rows: 1, indptr: Int32Array.of(0, 1), indices: Int32Array.of(0) }, { beta: 0.5, dropout: 0, l2: 0, rng: new Random(1), eps: Float32Array.of(0) }).kl).toBeCloseTo(0.5 * (3 - Math.log(4)), 5)
  })

  it('drops input entries at the given rate and scales the kept ones', () => {
    const layout = multLayout(400, [2], false)
    const net = new MultNet(layout, jsGemm)
    const row = Int32Array.from({ length: 400 }, (_, i) => i)
    const rows: SparseRows = { rows: 1, indptr: Int32Array.of(0, 400), indices: row }
    net.init(new Random(4))
    net.lossAndGrad(rows, { beta: 0, dropout: 0.25, l2: 0, rng: new Random(5) })
    // a dropped entry leaves its row of first-layer weights without gradient
    let kept = 0
    const g0 = layout.encoder[0]!
    for (let i = 0; i < 400; i++) if (net.grads[g0.w + i * 2] !== 0) kept++
    expect(kept).toBeGreaterThan(400 * 0.75 - 30)
    expect(kept).toBeLessThan(400 * 0.75 + 30)
  })
})

describe('gemm', () => {
  it('multiplies with each transpose flag (checked on a 2 × 3 by 3 × 2 product by hand)', () => {
    const a = Float32Array.of(1, 2, 3, 4, 5, 6) // 2 × 3
    const b = Float32Array.of(7, 8, 9, 10, 11, 12) // 3 × 2
    expect(Array.from(jsGemm(a, b, 2, 3, 2, false, false))).toEqual([58, 64, 139, 154])
    // Aᵀ stored 3 × 2 is [[1, 4], [2, 5], [3, 6]]; (Aᵀ)ᵀ B = A B
    const at = Float32Array.of(1, 4, 2, 5, 3, 6)
    expect(Array.from(jsGemm(at, b, 2, 3, 2, true, false))).toEqual([58, 64, 139, 154])
    const bt = Float32Array.of(7, 9, 11, 8, 10, 12)
    expect(Array.from(jsGemm(a, bt, 2, 3, 2, false, true))).toEqual([58, 64, 139, 154])
    expect(Array.from(jsGemm(at, bt, 2, 3, 2, true, true))).toEqual([58, 64, 139, 154])
  })

  it('gives the TypeScript results through TensorFlow.js for large products', async () => {
    const { ensureBackend, tf } = await import('@recforge/tf')
    await ensureBackend()
    const gemm = tfGemm(tf as unknown as Parameters<typeof tfGemm>[0])
    const rng = new Random(2)
    const m = 64
    const k = 256
    const n = 300
    expect(m * k * n).toBeGreaterThanOrEqual(TF_GEMM_MIN_WORK)
    for (const [ta, tb] of [[false, false], [true, false], [false, true]] as const) {
      const a = rng.fillNormal(new Float32Array(m * k)) as Float32Array
      const b = rng.fillNormal(new Float32Array(k * n)) as Float32Array
      const got = gemm(a, b, m, k, n, ta, tb)
      const want = jsGemm(a, b, m, k, n, ta, tb)
      let worst = 0
      for (let j = 0; j < want.length; j++) worst = Math.max(worst, Math.abs(got[j]! - want[j]!))
      expect(worst).toBeLessThan(1e-3)
    }
  })
})
