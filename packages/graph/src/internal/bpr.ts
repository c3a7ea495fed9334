import type { Random } from '@recforge/core'
import { sortedHas } from '@recforge/core'
import { layerMean, propagationBuffers, type NormalizedGraph, type PropagationBuffers } from './graph'

/** A batch of BPR triples: user, positive item and negative item of triple t at index t < count. */
export interface Triples {
  readonly users: Int32Array
  readonly positives: Int32Array
  readonly negatives: Int32Array
  count: number
}

/** Room for `size` triples. */
export function triples(size: number): Triples {
  return { users: new Int32Array(size), positives: new Int32Array(size), negatives: new Int32Array(size), count: 0 }
}

/** Work space of {@link batchLossAndGrad}: node tables of `nodes × d`. */
export interface StepWork {
  readonly combined: Float32Array
  readonly grad: Float32Array
  readonly buf: PropagationBuffers
}

/** Work space for a graph of `nodes` nodes and `d` dimensions. */
export function stepWork(nodes: number, d: number): StepWork {
  return { combined: new Float32Array(nodes * d), grad: new Float32Array(nodes * d), buf: propagationBuffers(nodes, d) }
}

const dot = (a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number => {
  let s = 0
  for (let f = 0; f < d; f++) s += a[ao + f]! * b[bo + f]!
  return s
}

/**
 * LightGCN's objective on one batch and its gradient with respect to the layer-0 embeddings:
 * the mean over the triples of −ln σ(e_u·e_p − e_u·e_n) on the layer-mean embeddings, plus
 * (l2/2)(‖e⁰_u‖² + ‖e⁰_p‖² + ‖e⁰_n‖²) averaged over the triples. `ego` is the node table (users,
 * then items); the gradient goes to `out`. Returns `{ bpr, loss }` (without and with the penalty).
 */
export function batchLossAndGrad(g: NormalizedGraph, ego: Float32Array, layers: number, d: number, t: Triples, l2: number, work: StepWork, out: Float32Array): { bpr: number; loss: number } {
  const { combined, grad, buf } = work
  const nu = g.numUsers
  const b = t.count
  layerMean(g, ego, layers, d, combined, buf)
  grad.fill(0)
  let bpr = 0
  for (let q = 0; q < b; q++) {
    const ou = t.users[q]! * d
    const op = (nu + t.positives[q]!) * d
    const on = (nu + t.negatives[q]!) * d
    const x = dot(combined, ou, combined, op, d) - dot(combined, ou, combined, on, d)
    // −ln σ(x) = softplus(−x), without overflow
    bpr += x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x))
    const coef = -1 / (1 + Math.exp(x)) / b
    for (let f = 0; f < d; f++) {
      const eu = combined[ou + f]!
      grad[ou + f]! += coef * (combined[op + f]! - combined[on + f]!)
      grad[op + f]! += coef * eu
      grad[on + f]! -= coef * eu
    }
  }
  // Â is symmetric: the gradient of the layer mean maps back through the same products
  layerMean(g, grad, layers, d, out, buf)
  let penalty = 0
  const r = l2 / b
  if (r > 0) {
    for (let q = 0; q < b; q++) {
      for (const o of [t.users[q]! * d, (nu + t.positives[q]!) * d, (nu + t.negatives[q]!) * d]) {
        for (let f = 0; f < d; f++) {
          const e = ego[o + f]!
          penalty += e * e
          out[o + f]! += r * e
        }
      }
    }
  }
  return { bpr: bpr / b, loss: bpr / b + 0.5 * r * penalty }
}

/**
 * Draws BPR triples as LightGCN's reference code does: a user uniformly among those with at least
 * one and fewer than all items, one of their items uniformly, and a uniform item they have not
 * interacted with.
 */
export class TripleSampler {
  private readonly eligible: Int32Array

  constructor(private readonly g: NormalizedGraph) {
    const eligible: number[] = []
    for (let u = 0; u < g.numUsers; u++) {
      const deg = g.userIndptr[u + 1]! - g.userIndptr[u]!
      if (deg > 0 && deg < g.numItems) eligible.push(u)
    }
    this.eligible = Int32Array.from(eligible)
  }

  /** Users that triples can be drawn for. */
  get users(): number {
    return this.eligible.length
  }

  /** Fills `t` with `count` triples. */
  draw(rng: Random, t: Triples, count: number): void {
    const g = this.g
    for (let q = 0; q < count; q++) {
      const u = this.eligible[rng.int(this.eligible.length)]!
      const row = g.userItems.subarray(g.userIndptr[u]!, g.userIndptr[u + 1]!)
      let neg = rng.int(g.numItems)
      while (sortedHas(row, neg)) neg = rng.int(g.numItems)
      t.users[q] = u
      t.positives[q] = row[rng.int(row.length)]!
      t.negatives[q] = neg
    }
    t.count = count
  }
}
