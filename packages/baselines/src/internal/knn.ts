/*
 * Item-item similarities by a sparse-sparse product: for each item, a dense accumulator over the
 * items its users touched. Self-contained so a worker thread can run it from its source text.
 */

/**
 * Top-`topN` neighbours of items `i0..i1`. `mode` 0: `dot / (norm_i * norm_j + shrink)` (cosine,
 * with L2 norms); mode 1: `dot / (norm_i + shrink)` (conditional probability, with squared norms).
 * Keeps only positive similarities; each row is sorted by similarity, ties by item index.
 */
export function knnRowsKernel(
  uIndptr: Int32Array,
  uIndices: Int32Array,
  uValues: Float32Array,
  iIndptr: Int32Array,
  iIndices: Int32Array,
  iValues: Float32Array,
  ni: number,
  i0: number,
  i1: number,
  mode: number,
  norms: Float64Array,
  shrink: number,
  topN: number,
): { counts: Int32Array; nbr: Int32Array; sim: Float32Array } {
  const acc = new Float64Array(ni)
  const stamp = new Int32Array(ni).fill(-1)
  const touched = new Int32Array(ni)
  const heapJ = new Int32Array(topN)
  const heapS = new Float64Array(topN)
  const counts = new Int32Array(i1 - i0)
  let cap = Math.max(16, (i1 - i0) * Math.min(topN, 64))
  let nbr = new Int32Array(cap)
  let sim = new Float32Array(cap)
  let out = 0
  for (let i = i0; i < i1; i++) {
    let nt = 0
    for (let p = iIndptr[i]!; p < iIndptr[i + 1]!; p++) {
      const u = iIndices[p]!
      const xi = iValues[p]!
      const end = uIndptr[u + 1]!
      for (let q = uIndptr[u]!; q < end; q++) {
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
    // size-topN min-heap; "worse" = smaller similarity, or equal and larger index
    let size = 0
    const ni_ = norms[i]!
    for (let a = 0; a < nt; a++) {
      const j = touched[a]!
      const d = acc[j]!
      const den = mode === 0 ? ni_ * norms[j]! + shrink : ni_ + shrink
      const s = den > 0 ? d / den : 0
      if (!(s > 0)) continue
      if (size === topN) {
        const hs = heapS[0]!
        if (s < hs || (s === hs && j > heapJ[0]!)) continue
        heapS[0] = s
        heapJ[0] = j
        let x = 0
        for (;;) {
          const l = 2 * x + 1
          const r = l + 1
          let m = x
          if (l < size && (heapS[l]! < heapS[m]! || (heapS[l] === heapS[m] && heapJ[l]! > heapJ[m]!))) m = l
          if (r < size && (heapS[r]! < heapS[m]! || (heapS[r] === heapS[m] && heapJ[r]! > heapJ[m]!))) m = r
          if (m === x) break
          const ts = heapS[x]!
          const tj = heapJ[x]!
          heapS[x] = heapS[m]!
          heapJ[x] = heapJ[m]!
          heapS[m] = ts
          heapJ[m] = tj
          x = m
        }
      } else {
        let x = size++
        heapS[x] = s
        heapJ[x] = j
        while (x > 0) {
          const p = (x - 1) >> 1
          if (!(heapS[x]! < heapS[p]! || (heapS[x] === heapS[p] && heapJ[x]! > heapJ[p]!))) break
          const ts = heapS[x]!
          const tj = heapJ[x]!
          heapS[x] = heapS[p]!
          heapJ[x] = heapJ[p]!
          heapS[p] = ts
          heapJ[p] = tj
          x = p
        }
      }
    }
    if (out + size > cap) {
      while (out + size > cap) cap *= 2
      const n2 = new Int32Array(cap)
      n2.set(nbr.subarray(0, out))
      nbr = n2
      const s2 = new Float32Array(cap)
      s2.set(sim.subarray(0, out))
      sim = s2
    }
    // pop worst-first into the row from its end, so the row reads best-first
    counts[i - i0] = size
    for (let pos = out + size - 1; pos >= out; pos--) {
      nbr[pos] = heapJ[0]!
      sim[pos] = heapS[0]!
      size--
      heapS[0] = heapS[size]!
      heapJ[0] = heapJ[size]!
      let x = 0
      for (;;) {
        const l = 2 * x + 1
        const r = l + 1
        let m = x
        if (l < size && (heapS[l]! < heapS[m]! || (heapS[l] === heapS[m] && heapJ[l]! > heapJ[m]!))) m = l
        if (r < size && (heapS[r]! < heapS[m]! || (heapS[r] === heapS[m] && heapJ[r]! > heapJ[m]!))) m = r
        if (m === x) break
        const ts = heapS[x]!
        const tj = heapJ[x]!
        heapS[x] = heapS[m]!
        heapJ[x] = heapJ[m]!
        heapS[m] = ts
        heapJ[m] = tj
        x = m
      }
    }
    out += counts[i - i0]!
  }
  return { counts, nbr: nbr.slice(0, out), sim: sim.slice(0, out) }
}
