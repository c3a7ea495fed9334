import type { NetworkShape } from './params'

/** Trained weights in plain typed arrays (scoring needs no TensorFlow.js backend). */
export interface Weights {
  /** (users + items) × D embedding rows: users first, then items; each row [GMF part | MLP part]. */
  emb: Float32Array
  dense: Float32Array
}

/** Offsets of the dense weights as saved: the MLP layers, the output weights [GMF | MLP], the output bias. */
export interface Layout {
  /** Embedding row width (GMF part, then MLP part). */
  D: number
  /** GMF part of a row (0 without GMF). */
  f: number
  /** MLP part of a row (0 without MLP). */
  e: number
  mats: { w: number; b: number; in: number; out: number }[]
  /** Offset of the output weights. */
  h: number
  hSize: number
  /** Offset of the output bias. */
  hb: number
  total: number
}

export function layoutOf(s: NetworkShape): Layout {
  const f = s.kind === 'mlp' ? 0 : s.factors
  const e = s.kind === 'gmf' ? 0 : s.layers[0]! / 2
  const mats: Layout['mats'] = []
  let o = 0
  if (s.kind !== 'gmf') {
    for (let k = 0; k + 1 < s.layers.length; k++) {
      const inn = s.layers[k]!
      const out = s.layers[k + 1]!
      mats.push({ w: o, b: o + inn * out, in: inn, out })
      o += inn * out + out
    }
  }
  const hSize = f + (s.kind === 'gmf' ? 0 : s.layers[s.layers.length - 1]!)
  const h = o
  const hb = h + hSize
  return { D: f + e, f, e, mats, h, hSize, hb, total: hb + 1 }
}

/**
 * Offsets of the dense weights as training holds them: the MLP layers as stored, then the GMF
 * output weights over whole embedding rows ([D], zero where the MLP columns enter) so the GMF
 * product needs no column slice, then the MLP output weights and the bias.
 */
export interface TrainingLayout {
  hG: number
  hM: number
  hMSize: number
  hb: number
  total: number
  /** 1 on the GMF columns of the padded GMF output weights, 0 on the padding. */
  hGMask: Float32Array | undefined
}

export function trainingLayoutOf(L: Layout): TrainingLayout {
  const hG = L.h
  const hM = hG + (L.f > 0 ? L.D : 0)
  const hMSize = L.hSize - L.f
  const hb = hM + hMSize
  const total = hb + 1
  let hGMask: Float32Array | undefined
  if (L.f > 0 && L.e > 0) {
    hGMask = new Float32Array(L.D)
    hGMask.fill(1, 0, L.f)
  }
  return { hG, hM, hMSize, hb, total, hGMask }
}

/** Dense weights in the stored layout → the padded training layout. */
export function toTraining(L: Layout, T: TrainingLayout, w: Float32Array): Float32Array {
  const out = new Float32Array(T.total)
  out.set(w.subarray(0, L.h))
  out.set(w.subarray(L.h, L.h + L.f), T.hG)
  out.set(w.subarray(L.h + L.f, L.h + L.hSize), T.hM)
  out[T.hb] = w[L.hb]!
  return out
}

/** The padded training layout → dense weights in the stored layout. */
export function fromTraining(L: Layout, T: TrainingLayout, t: Float32Array): Float32Array {
  const out = new Float32Array(L.total)
  out.set(t.subarray(0, L.h))
  out.set(t.subarray(T.hG, T.hG + L.f), L.h)
  out.set(t.subarray(T.hM, T.hM + T.hMSize), L.h + L.f)
  out[L.hb] = t[T.hb]!
  return out
}
