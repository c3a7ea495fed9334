/*
 * Item-item similarities by a sparse-sparse product: for each item, a dense accumulator over the
 * items its users touched, and compute's TopKHeap for the best neighbours.
 */
import { TopKHeap } from '@recforge/compute'
import type { CsrPairArgs } from './util'

/** Arguments of {@link knnRowsKernel}: the user-major and item-major CSR, and items `start..end` to score. */
export interface KnnRowsArgs extends CsrPairArgs {
  /** Number of items. */
  ni: number
  start: number
  end: number
  /** 0: `dot / (norm_i * norm_j + shrink)` (cosine, with L2 norms); 1: `dot / (norm_i + shrink)` (conditional probability, with squared norms). */
  mode: number
  norms: Float64Array
  shrink: number
  topN: number
}

/** Neighbour rows of items `start..end`: `counts[i - start]` neighbours each, concatenated in `nbr` and `sim`. */
export interface KnnRows {
  counts: Int32Array
  nbr: Int32Array
  sim: Float32Array
}

/**
 * Top-`topN` neighbours of items `start..end`. Keeps only positive similarities; each row is
 * sorted by similarity (float64), ties by item index.
 */
export function knnRowsKernel(a: KnnRowsArgs): KnnRows {
  const { uIndptr, uIndices, uValues, iIndptr, iIndices, iValues, ni, start, end, mode, norms, shrink, topN } = a
  const acc = new Float64Array(ni)
  const stamp = new Int32Array(ni).fill(-1)
  const touched = new Int32Array(ni)
  const heap = new TopKHeap(topN)
  const counts = new Int32Array(end - start)
  let cap = Math.max(16, (end - start) * Math.min(topN, 64))
  let nbr = new Int32Array(cap)
  let sim = new Float32Array(cap)
  let out = 0
  for (let i = start; i < end; i++) {
    let nt = 0
    for (let p = iIndptr[i]!; p < iIndptr[i + 1]!; p++) {
      const u = iIndices[p]!
      const xi = iValues[p]!
      const last = uIndptr[u + 1]!
      for (let q = uIndptr[u]!; q < last; q++) {
        const j = uIndices[q]!
        if (j === i) continue
        if (stamp[j] !== i) {
          stamp[j] = i
          acc[j] = 0
          touched[nt++] = j
        }
        acc[j]! += xi * uValues[q]!
      }
    }
    const ni_ = norms[i]!
    for (let t = 0; t < nt; t++) {
      const j = touched[t]!
      const den = mode === 0 ? ni_ * norms[j]! + shrink : ni_ + shrink
      const s = den > 0 ? acc[j]! / den : 0
      if (s > 0) heap.push(s, j)
    }
    const size = heap.size
    if (out + size > cap) {
      while (out + size > cap) cap *= 2
      const n2 = new Int32Array(cap)
      n2.set(nbr.subarray(0, out))
      nbr = n2
      const s2 = new Float32Array(cap)
      s2.set(sim.subarray(0, out))
      sim = s2
    }
    counts[i - start] = heap.drain(nbr, sim, out)
    out += size
  }
  return { counts, nbr: nbr.slice(0, out), sim: sim.slice(0, out) }
}
