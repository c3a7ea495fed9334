/** The ratio chart of bench/results/anchors.svg: one bar per row, RecForge / anchor on a log axis. */
import type { ResultRow } from './compare'

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/**
 * Renders the measured ratios as an SVG bar chart. Times are drawn as anchor / RecForge and QPS
 * as RecForge / anchor, so that right of the 1× line always means RecForge is ahead.
 *
 * @example
 * writeFileSync('anchors.svg', renderRatios(rows))
 */
export function renderRatios(rows: readonly ResultRow[]): string {
  const bars = rows.filter((r) => r.ratio !== undefined)
  const labelW = 560
  const plotW = 420
  const rowH = 18
  const top = 48
  const h = top + bars.length * rowH + 40
  const lo = Math.log(1 / 8)
  const hi = Math.log(8)
  const x = (v: number) => labelW + ((Math.log(Math.min(8, Math.max(1 / 8, v))) - lo) / (hi - lo)) * plotW
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + 90}" height="${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">RecForge against the anchors, measured in one run (right of 1×: RecForge ahead)</text>`,
    `<text x="10" y="34" fill="#555">bar = anchor time / RecForge time, or RecForge QPS / anchor QPS at equal recall@10; log scale</text>`,
  ]
  for (const t of [0.125, 0.25, 0.5, 1, 2, 4, 8]) {
    out.push(`<line x1="${x(t)}" y1="${top - 4}" x2="${x(t)}" y2="${h - 30}" stroke="${t === 1 ? '#000' : '#ddd'}"/>`)
    out.push(`<text x="${x(t)}" y="${h - 16}" text-anchor="middle">${t >= 1 ? t : `1/${1 / t}`}×</text>`)
  }
  bars.forEach((r, i) => {
    const y = top + i * rowH
    const adv = r.higherIsBetter ? r.ratio! : 1 / r.ratio!
    const label = `${r.name.length > 70 ? r.name.slice(0, 68) + '…' : r.name} — ${r.figure} vs ${r.anchorName}`
    out.push(`<text x="${labelW - 6}" y="${y + 12}" text-anchor="end">${esc(label.length > 100 ? label.slice(0, 98) + '…' : label)}</text>`)
    const x0 = x(1)
    const x1 = x(adv)
    out.push(`<rect x="${Math.min(x0, x1)}" y="${y + 3}" width="${Math.max(1, Math.abs(x1 - x0))}" height="${rowH - 6}" fill="${adv >= 1 ? '#3a7' : '#d54'}"/>`)
    out.push(`<text x="${Math.max(x0, x1) + 4}" y="${y + 12}">${adv.toFixed(2)}×</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
