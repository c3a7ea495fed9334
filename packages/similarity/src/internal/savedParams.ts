import type { Metric } from '@recforge/core'

/** The graph parameters both HNSW indexes save in their config. */
export interface SavedHnswParams {
  dimensions: number
  metric: Metric
  M: number
  efConstruction: number
  efSearch: number
  seed: number
}

/** Reads {@link SavedHnswParams} back from a saved config; the index constructor checks them. */
export function savedHnswParams(c: Readonly<Record<string, unknown>>): SavedHnswParams {
  return {
    dimensions: c['dimensions'] as number,
    metric: c['metric'] as Metric,
    M: c['M'] as number,
    efConstruction: c['efConstruction'] as number,
    efSearch: c['efSearch'] as number,
    seed: c['seed'] as number,
  }
}
