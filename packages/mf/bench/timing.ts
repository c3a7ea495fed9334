import type { ProgressEvent } from '@recforge/core'

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/**
 * Times iterations (or epochs) from a model's progress events, in wall-clock seconds and in CPU
 * seconds of the whole process (all threads). The first step also pays for set-up (transposes,
 * worker start-up), so the figures are medians of the later steps when there are at least two.
 */
export function iterationTimer(): { onProgress: (e: ProgressEvent) => void; perStep: () => number; cpuPerStep: () => number } {
  const wall: number[] = [performance.now()]
  const cpu: number[] = [cpuSeconds()]
  const steps = (xs: number[], scale: number) => {
    const d: number[] = []
    for (let j = 1; j < xs.length; j++) d.push((xs[j]! - xs[j - 1]!) / scale)
    return median(d.length >= 2 ? d.slice(1) : d)
  }
  return {
    onProgress: () => {
      wall.push(performance.now())
      cpu.push(cpuSeconds())
    },
    perStep: () => steps(wall, 1000),
    cpuPerStep: () => steps(cpu, 1),
  }
}

/** CPU seconds (user + system) of this process so far, all threads. */
export function cpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
