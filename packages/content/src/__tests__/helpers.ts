import { BaseRecommender, itemCounts, requireTensor, type Interactions, type ItemSideInfo, type ModelArtifacts, type ModelState } from '@recforge/core'

const THEMES = [
  ['Western', 'cowboys', 'frontier', 'outlaw', 'desert'],
  ['Horror', 'ghosts', 'haunted', 'scream', 'zombie'],
  ['Romance', 'love', 'wedding', 'kiss', 'heart'],
  ['Sci-Fi', 'robots', 'spaceship', 'alien', 'galaxy'],
]

/** Item text for core's planted fixture: items of one cluster share a genre and theme words. */
export function plantedItemInfo(clusters = 4, itemsPerCluster = 8): ItemSideInfo {
  const titles: string[] = []
  const genres: string[][] = []
  const tags: string[][] = []
  for (let c = 0; c < clusters; c++) {
    const t = THEMES[c % THEMES.length]!
    for (let j = 0; j < itemsPerCluster; j++) {
      titles.push(`${t[1 + (j % 4)]} story number ${c * itemsPerCluster + j}`)
      genres.push([t[0]!])
      tags.push([t[1 + ((j + 1) % 4)]!, t[1 + ((j + 2) % 4)]!])
    }
  }
  return { titles, genres, tags }
}

/** A popularity "CF" model for tests of the hybrid's pluggable CF part. */
export class CountCF extends BaseRecommender<{ bonus: number }> {
  readonly name = 'countcf'
  private counts: Int32Array = new Int32Array(0)
  constructor(config: { bonus?: number } = {}) {
    super({ bonus: config.bonus ?? 0 })
  }
  protected async fitModel(data: Interactions): Promise<void> {
    this.counts = itemCounts(data)
  }
  protected scoreAll(_user: number, out: Float32Array): void {
    for (let i = 0; i < out.length; i++) out[i] = this.counts[i]!
  }
  protected override saveState(): ModelState {
    return { tensors: { counts: this.counts } }
  }
  protected override restoreState(a: ModelArtifacts): void {
    this.counts = requireTensor(a, 'counts', Int32Array)
  }
}
