import type { ProgressEvent } from '@recforge/core'

/**
 * Progress on stderr: a redrawn bar on a terminal, one line per stage change otherwise.
 * stdout stays clean for `--json`.
 */
export class ProgressReporter {
  private lastStage = ''
  private lastDraw = 0
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
    const stageChanged = e.stage !== this.lastStage
    const done = e.total !== undefined && e.current >= e.total
    if (!stageChanged && !done && now - this.lastDraw < (this.tty ? 100 : 2000)) return
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
