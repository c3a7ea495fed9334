import type { ProgressEvent } from '@recforge/core'

/**
 * Times iterations (or epochs) from a model's progress events. The first step also pays for
 * set-up (transposes, worker start-up), so `perStep` is the median of the later steps when
 * there are at least two.
 */
export function iterationTimer(): { onProgress: (e: ProgressEvent) => void; perStep: () => number } {
  const stamps: number[] = [performance.now()]
  return {
    onProgress: () => {
      stamps.push(performance.now())
    },
    perStep: () => {
      const d: number[] = []
      for (let j = 1; j < stamps.length; j++) d.push((stamps[j]! - stamps[j - 1]!) / 1000)
      const later = d.length >= 2 ? d.slice(1) : d
      later.sort((a, b) => a - b)
      const m = later.length >> 1
      return later.length % 2 ? later[m]! : (later[m - 1]! + later[m]!) / 2
    },
  }
}
