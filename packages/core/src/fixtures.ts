import { InteractionsBuilder, type Interactions } from './interactions'

/** A dataset with planted cluster structure and one held-out item per user. */
export interface PlantedFixture {
  readonly train: Interactions
  /** `heldOut[u]` is the item user `u` did not see in training and must be ranked first. */
  readonly heldOut: Int32Array
  readonly clusters: number
  readonly itemsPerCluster: number
}

/**
 * Builds a planted-structure fixture: `clusters` groups of users and items; each user interacted
 * with every item of their own group except one (the held-out item), so that item is the only
 * unseen item that shares the user's taste. With `ratings: true`, in-group ratings are 5 and every
 * user also rated two items of other groups 1, so rating models can tell the groups apart.
 * Timestamps increase in input order.
 *
 * @example
 * ```ts
 * const { train, heldOut } = plantedFixture({ ratings: true })
 * ```
 */
export function plantedFixture(opts: { clusters?: number; itemsPerCluster?: number; usersPerCluster?: number; ratings?: boolean } = {}): PlantedFixture {
  const clusters = opts.clusters ?? 4
  const ipc = opts.itemsPerCluster ?? 8
  const upc = opts.usersPerCluster ?? 12
  const b = new InteractionsBuilder({ timestamps: true })
  // register items first so item index = cluster * ipc + j
  for (let c = 0; c < clusters; c++) for (let j = 0; j < ipc; j++) b.items.add(`i${c * ipc + j}`)
  const heldOut = new Int32Array(clusters * upc)
  let t = 1_600_000_000
  for (let c = 0; c < clusters; c++) {
    for (let v = 0; v < upc; v++) {
      const u = c * upc + v
      const uid = `u${u}`
      b.users.add(uid)
      const h = c * ipc + (v % ipc)
      heldOut[u] = h
      for (let j = 0; j < ipc; j++) {
        const item = c * ipc + j
        if (item === h) continue
        b.push(uid, `i${item}`, opts.ratings ? 5 : 1, t++)
      }
      if (opts.ratings) {
        for (let r = 1; r <= 2; r++) {
          const oc = (c + r) % clusters
          const item = oc * ipc + ((v + r) % ipc)
          b.push(uid, `i${item}`, 1, t++)
        }
      }
    }
  }
  return { train: b.build(), heldOut, clusters, itemsPerCluster: ipc }
}

/** Empty interactions over small vocabularies (for "empty input" checks). */
export function emptyInteractions(): Interactions {
  const b = new InteractionsBuilder()
  b.users.add('u0')
  b.items.add('i0')
  return b.build()
}
