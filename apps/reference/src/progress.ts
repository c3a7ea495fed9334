import type { ProgressEvent } from '@recforge/core'

/** On a stream that is not a terminal (a log file, CI), a reporter prints at most one progress line this often. */
export const LOG_LINE_INTERVAL_MS = 5000

/**
 * Progress on stderr: a redrawn bar on a terminal (at most ten redraws a second); elsewhere at
 * most one line every {@link LOG_LINE_INTERVAL_MS} per reporter, so a long fit writes a few lines,
 * not one per batch. stdout stays clean for `--json`.
 */
export class ProgressReporter {
  private lastStage = ''
  private lastDraw = Number.NEGATIVE_INFINITY
  private readonly tty: boolean

  constructor(
    private readonly label: string,
    private readonly quiet = false,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY)
  }

  readonly onProgress = (e: ProgressEvent): void => {
    if (this.quiet) return
    const now = Date.now()
    const done = e.total !== undefined && e.current >= e.total
    if (this.tty) {
      if (e.stage === this.lastStage && !done && now - this.lastDraw < 100) return
    } else if (now - this.lastDraw < LOG_LINE_INTERVAL_MS) return
    this.lastDraw = now
    this.lastStage = e.stage
    const metrics = e.metrics ? ' ' + Object.entries(e.metrics).map(([k, v]) => `${k}=${formatNumber(v)}`).join(' ') : ''
    let bar = ''
    if (e.total) {
      const width = 24
      const filled = Math.round((Math.min(e.current, e.total) / e.total) * width)
      bar = ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.current}/${e.total}`
    } else bar = ` ${e.current}`
    const line = `${this.label} ${e.stage}${bar}${metrics}${e.message ? ' ' + e.message : ''}`
    if (this.tty) this.stream.write(`\r\x1b[2K${line}${done ? '\n' : ''}`)
    else this.stream.write(line + '\n')
  }

  log(message: string): void {
    if (!this.quiet) this.stream.write(`${this.tty ? '\r\x1b[2K' : ''}${message}\n`)
  }
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  if (Number.isInteger(v)) return String(v)
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4)
}
