/** Renders the recall-vs-queries-per-second curves of a similarity benchmark report as an SVG. */
import type { BenchReport } from '@recforge/bench'

const COLORS: Record<string, string> = { HnswIndex: '#d62728', 'hnswlib-node': '#1f77b4', usearch: '#2ca02c' }
const ROW = /^(.+) search ef (\d+), (.+)$/

interface Point {
  ef: number
  recall: number
  qps: number
}

/** One panel per dataset: x = recall@10, y = queries per second (log scale), one line per library. */
export function renderRecallQps(report: BenchReport): string {
  const panels = new Map<string, Map<string, Point[]>>()
  const exactQps = new Map<string, number>()
  for (const row of report.rows) {
    const qps = row.figures['qps']
    const recall = row.figures['recall10']
    if (qps === undefined || recall === undefined) continue
    if (row.name.startsWith('ExactIndex search, ')) exactQps.set(row.name.slice('ExactIndex search, '.length), qps)
    const m = ROW.exec(row.name)
    if (!m) continue
    const [, label, ef, tag] = m
    let panel = panels.get(tag!)
    if (!panel) panels.set(tag!, (panel = new Map()))
    let series = panel.get(label!)
    if (!series) panel.set(label!, (series = []))
    series.push({ ef: Number(ef), recall, qps })
  }
  const W = 420
  const H = 300
  const pad = { l: 62, r: 14, t: 34, b: 44 }
  const cols = Math.min(2, panels.size)
  const rows = Math.ceil(panels.size / 2)
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * W}" height="${rows * H + 30}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="18" font-size="13">Recall@10 vs queries per second, one query at a time, one thread (${report.machine.cpus} × ${esc(report.machine.cpuModel)}, Node ${report.machine.node}, ${report.date.slice(0, 10)})</text>`,
  ]
  let p = 0
  for (const [tag, panel] of panels) {
    const ox = (p % 2) * W
    const oy = 30 + Math.floor(p / 2) * H
    p++
    const pts = [...panel.values()].flat()
    const exact = exactQps.get(tag)
    const minR = Math.min(...pts.map((q) => q.recall))
    const step = 1 - minR <= 0.08 ? 0.01 : 1 - minR <= 0.25 ? 0.05 : 0.1
    const x0 = Math.max(0, Math.floor((minR - step / 2) / step) * step)
    const qs = pts.map((q) => q.qps).concat(exact === undefined ? [] : [exact])
    const y0 = Math.floor(Math.log10(Math.min(...qs)))
    const y1 = Math.ceil(Math.log10(Math.max(...qs)))
    const px = (r: number) => ox + pad.l + ((r - x0) / (1 - x0)) * (W - pad.l - pad.r)
    const py = (q: number) => oy + H - pad.b - ((Math.log10(q) - y0) / Math.max(1, y1 - y0)) * (H - pad.t - pad.b)
    out.push(`<text x="${ox + pad.l}" y="${oy + 20}" font-size="12">${esc(tag)}</text>`)
    out.push(`<rect x="${ox + pad.l}" y="${oy + pad.t}" width="${W - pad.l - pad.r}" height="${H - pad.t - pad.b}" fill="none" stroke="#999"/>`)
    for (let e = y0; e <= y1; e++) {
      const y = py(10 ** e)
      out.push(`<line x1="${ox + pad.l}" x2="${ox + W - pad.r}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${ox + pad.l - 6}" y="${y + 4}" text-anchor="end">${(10 ** e).toLocaleString('en-US')}</text>`)
    }
    for (let t = 0; x0 + t * step <= 1.0001; t++) {
      const r = x0 + t * step
      const x = px(r)
      out.push(`<line x1="${x}" x2="${x}" y1="${oy + pad.t}" y2="${oy + H - pad.b}" stroke="#eee"/><text x="${x}" y="${oy + H - pad.b + 14}" text-anchor="middle">${r.toFixed(step < 0.1 ? 2 : 1)}</text>`)
    }
    out.push(`<text x="${ox + (W + pad.l) / 2}" y="${oy + H - 8}" text-anchor="middle">recall@10</text>`)
    out.push(`<text transform="translate(${ox + 14},${oy + (H + pad.t - pad.b) / 2}) rotate(-90)" text-anchor="middle">queries / s (log)</text>`)
    if (exact !== undefined) {
      out.push(`<circle cx="${px(1)}" cy="${py(exact)}" r="4" fill="black"/><text x="${px(1) - 6}" y="${py(exact) + 14}" text-anchor="end">ExactIndex</text>`)
    }
    let li = 0
    for (const [label, series] of panel) {
      series.sort((a, b) => a.ef - b.ef)
      const c = COLORS[label] ?? '#555'
      out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${series.map((q) => `${px(q.recall).toFixed(1)},${py(q.qps).toFixed(1)}`).join(' ')}"/>`)
      for (const q of series) out.push(`<circle cx="${px(q.recall).toFixed(1)}" cy="${py(q.qps).toFixed(1)}" r="2.5" fill="${c}"><title>${esc(label)} ef ${q.ef}: recall ${q.recall.toFixed(3)}, ${Math.round(q.qps)} q/s</title></circle>`)
      out.push(`<line x1="${ox + pad.l + 10}" x2="${ox + pad.l + 28}" y1="${oy + pad.t + 14 + li * 15}" y2="${oy + pad.t + 14 + li * 15}" stroke="${c}" stroke-width="2"/><text x="${ox + pad.l + 32}" y="${oy + pad.t + 18 + li * 15}">${esc(label)}</text>`)
      li++
    }
  }
  out.push('</svg>')
  return out.join('\n') + '\n'
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
