import path from 'node:path'
import type { FastifyInstance, RouteShorthandOptions } from 'fastify'
import { PCA, kmeans, silhouette, typicalMembers, type Embedding } from '@recforge/cluster'
import { RecForgeError, resolveParams, topK, type Interactions, type ItemSideInfo, type ModelRegistry, type ParamValues, type Recommender } from '@recforge/core'
import { writeFileAtomic } from '@recforge/core/node'
import { loadDataset } from '@recforge/data'
import { resolveDataSpec } from './datasets'
import { fitSeed } from './evaluate'
import { ProgressReporter } from './progress'

/** A 2-D map of a model's item vectors: PCA coordinates, k-means clusters and each cluster's most typical items. */
export interface EmbeddingMap {
  readonly model: string
  readonly dataset?: string
  /** Dimensions of the item vectors. */
  readonly dimensions: number
  /** Item ids and titles, in item-index order (one per mapped item). */
  readonly ids: readonly string[]
  readonly titles: readonly (string | undefined)[]
  /** Row-major items × 2 PCA coordinates (the second is 0 for one-dimensional vectors). */
  readonly xy: Float32Array
  /** The k-means cluster of each item (clustered in the full item-vector space, not the 2-D map). */
  readonly labels: Int32Array
  /** Per cluster: its size and its items nearest the centroid, most typical first. */
  readonly clusters: readonly { readonly size: number; readonly typical: Int32Array }[]
  /** Share of the item vectors' variance along the map's two axes. */
  readonly explainedVarianceRatio: readonly [number, number]
  /** Mean silhouette of the clustering on a seeded sample of items; `undefined` with one cluster. */
  readonly silhouette?: number
}

/** User segments: clusters of a model's user vectors, each with its size and the items it scores highest. */
export interface UserSegments {
  readonly model: string
  readonly users: number
  readonly segments: readonly { readonly size: number; readonly items: readonly { id: string; title?: string; score: number }[] }[]
  readonly silhouette?: number
}

/** Items each map lists per cluster. */
const TYPICAL = 10
/** Items sampled for the silhouette figure: O(sample × items) distances. */
const SILHOUETTE_SAMPLE = 1000

/**
 * The model's item vectors.
 *
 * @throws RecForgeError INVALID_ARGUMENT when the model has none (its family defines no `itemVectors()`).
 */
function itemEmbedding(model: Recommender<object>, name: string, hint = ''): Embedding {
  if (typeof model.itemVectors !== 'function') {
    throw new RecForgeError('INVALID_ARGUMENT', `model "${name}" has no item vectors (it defines no itemVectors()), so there is nothing to map${hint}`)
  }
  return model.itemVectors()
}

/**
 * Maps a fitted model's item vectors: PCA to two dimensions for the picture, k-means with
 * `clusters` clusters on the full vectors for the colours, and the items nearest each centroid.
 *
 * @throws RecForgeError INVALID_ARGUMENT when the model has no item vectors or `clusters` is
 * outside 1..items.
 */
export function buildItemMap(model: Recommender<object>, data: Interactions, opts: { model: string; dataset?: string; itemInfo?: ItemSideInfo; clusters?: number; seed?: number }): EmbeddingMap {
  const e = itemEmbedding(model, opts.model)
  const n = e.vectors.length / e.dimensions
  const seed = opts.seed ?? 42
  const k = opts.clusters ?? 8
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RecForgeError('INVALID_ARGUMENT', `clusters must be an integer in 1..${n} (the number of items); got ${k}`)
  const pca = PCA.fit(e, { components: Math.min(2, e.dimensions, n), seed })
  const projected = pca.transform(e)
  const xy = new Float32Array(n * 2)
  for (let i = 0; i < n; i++) for (let j = 0; j < pca.count; j++) xy[i * 2 + j] = projected[i * pca.count + j]!
  const km = kmeans(e, { k, seed })
  const typical = typicalMembers(e, km, { count: TYPICAL })
  const ids = Array.from({ length: n }, (_, i) => data.items.id(i))
  return {
    model: opts.model,
    ...(opts.dataset ? { dataset: opts.dataset } : {}),
    dimensions: e.dimensions,
    ids,
    titles: Array.from({ length: n }, (_, i) => opts.itemInfo?.titles[i]),
    xy,
    labels: km.labels,
    clusters: typical.map((t, c) => ({ size: km.sizes[c]!, typical: t })),
    explainedVarianceRatio: [pca.explainedVarianceRatio[0] ?? 0, pca.explainedVarianceRatio[1] ?? 0],
    ...(k > 1 && km.sizes.filter((s) => s > 0).length > 1 ? { silhouette: silhouette(e, km.labels, { sampleSize: SILHOUETTE_SAMPLE, seed }).score } : {}),
  }
}

/**
 * Segments the training users by k-means on their vectors (`userVector`); each segment's top
 * items are those its centroid scores highest, which for inner-product models is the segment's
 * mean score.
 *
 * @throws RecForgeError INVALID_ARGUMENT when the model has no user or item vectors, or
 * `segments` is outside 1..users.
 */
export function buildUserSegments(model: Recommender<object>, data: Interactions, opts: { model: string; itemInfo?: ItemSideInfo; segments?: number; seed?: number; top?: number }): UserSegments {
  const items = itemEmbedding(model, opts.model)
  if (typeof model.userVector !== 'function') throw new RecForgeError('INVALID_ARGUMENT', `model "${opts.model}" has no user vectors (it defines no userVector()), so users cannot be segmented`)
  const nu = data.users.size
  const d = items.dimensions
  const k = opts.segments ?? 6
  if (!Number.isInteger(k) || k < 1 || k > nu) throw new RecForgeError('INVALID_ARGUMENT', `segments must be an integer in 1..${nu} (the number of users); got ${k}`)
  const vectors = new Float32Array(nu * d)
  for (let u = 0; u < nu; u++) vectors.set(model.userVector(u), u * d)
  const users = { vectors, dimensions: d }
  const km = kmeans(users, { k, seed: opts.seed ?? 42 })
  const ni = items.vectors.length / d
  const segments = Array.from({ length: k }, (_, c) => {
    const scores = new Float32Array(ni)
    for (let i = 0; i < ni; i++) {
      let s = 0
      for (let j = 0; j < d; j++) s += km.centroids[c * d + j]! * items.vectors[i * d + j]!
      scores[i] = s
    }
    const best = topK(scores, opts.top ?? TYPICAL)
    return {
      size: km.sizes[c]!,
      items: Array.from(best.items, (i, r) => ({ id: data.items.id(i), ...(opts.itemInfo?.titles[i] ? { title: opts.itemInfo.titles[i] } : {}), score: best.scores[r]! })),
    }
  })
  return {
    model: opts.model,
    users: nu,
    segments,
    ...(km.sizes.filter((s) => s > 0).length > 1 ? { silhouette: silhouette(users, km.labels, { sampleSize: SILHOUETTE_SAMPLE, seed: opts.seed ?? 42 }).score } : {}),
  }
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** A colour per cluster: hues a golden angle apart stay distinct for any number of clusters. */
function colour(c: number): string {
  return `hsl(${((c * 137.508) % 360).toFixed(1)} 70% 42%)`
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`

/**
 * The map as an HTML fragment: an inline SVG scatter plot (one circle per item, its title
 * shown on hover, coloured by cluster) and the clusters with their most typical titles. No
 * scripts, fonts or external references; the same markup in `recforge explore`'s file and on
 * the web page.
 */
export function renderMapFragment(map: EmbeddingMap, size: { width?: number; height?: number } = {}): string {
  const width = size.width ?? 760
  const height = size.height ?? 560
  const pad = 14
  const n = map.ids.length
  let x0 = Infinity
  let x1 = -Infinity
  let y0 = Infinity
  let y1 = -Infinity
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, map.xy[2 * i]!)
    x1 = Math.max(x1, map.xy[2 * i]!)
    y0 = Math.min(y0, map.xy[2 * i + 1]!)
    y1 = Math.max(y1, map.xy[2 * i + 1]!)
  }
  const sx = (v: number) => (pad + (x1 > x0 ? (v - x0) / (x1 - x0) : 0.5) * (width - 2 * pad)).toFixed(1)
  const sy = (v: number) => (height - pad - (y1 > y0 ? (v - y0) / (y1 - y0) : 0.5) * (height - 2 * pad)).toFixed(1)
  const label = (i: number) => map.titles[i] ?? map.ids[i]!
  const k = map.clusters.length
  const style = Array.from({ length: k }, (_, c) => `.rf-map .k${c}{fill:${colour(c)};background:${colour(c)}}`).join('')
  const circles: string[] = []
  for (let i = 0; i < n; i++) {
    const c = map.labels[i]!
    circles.push(`<circle cx="${sx(map.xy[2 * i]!)}" cy="${sy(map.xy[2 * i + 1]!)}" r="2.4" class="k${c}" data-item="${esc(map.ids[i]!)}"><title>${esc(label(i))} (cluster ${c + 1})</title></circle>`)
  }
  const [r1, r2] = map.explainedVarianceRatio
  const list = map.clusters
    .map(
      (cl, c) =>
        `<li data-cluster="${c}"><span class="rf-swatch k${c}"></span><b>Cluster ${c + 1}</b> <span class="rf-muted">${cl.size} items</span>` +
        `<ol class="rf-typical">${Array.from(cl.typical, (i) => `<li data-item="${esc(map.ids[i]!)}">${esc(label(i))}</li>`).join('')}</ol></li>`,
    )
    .join('')
  return (
    `<div class="rf-map" data-model="${esc(map.model)}"><style>` +
    `.rf-map{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.rf-map svg{background:#fff;border:1px solid #e4e7ec;border-radius:6px;max-width:100%;height:auto}` +
    `.rf-map circle{fill-opacity:.7}.rf-map circle:hover{fill-opacity:1;stroke:#111;stroke-width:1.5}.rf-map .rf-muted{color:#667085}` +
    `.rf-map .rf-clusters{margin:0;padding-left:0;list-style:none;columns:2 260px;font-size:13px}.rf-map .rf-clusters>li{break-inside:avoid;margin:0 0 10px}` +
    `.rf-map .rf-typical{margin:2px 0 0;padding-left:20px;color:#344054}.rf-map .rf-swatch{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}` +
    style +
    `</style>` +
    `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="2-D PCA map of ${n} item vectors, coloured by ${k} clusters">` +
    `<text x="${pad}" y="${height - 3}" font-size="11" fill="#667085">PC1 ${pct(r1)} of the variance, PC2 ${pct(r2)}</text>` +
    circles.join('') +
    `</svg><div><p class="rf-muted">${n} items, ${map.dimensions}-dimensional vectors of ${esc(map.model)}${map.dataset ? ` on ${esc(map.dataset)}` : ''}; ${k} k-means clusters` +
    `${map.silhouette !== undefined ? ` (silhouette ${map.silhouette.toFixed(3)} on a sample of ${Math.min(SILHOUETTE_SAMPLE, n)} items)` : ''}. Hover a point for its title; each cluster lists the items nearest its centre.</p>` +
    `<ol class="rf-clusters">${list}</ol></div></div>`
  )
}

/** The map as a complete, self-contained HTML document. */
export function renderMapDocument(map: EmbeddingMap): string {
  const title = `Embedding map: ${map.model}${map.dataset ? ` on ${map.dataset}` : ''}`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>body{margin:0;padding:16px 20px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2330;background:#f7f8fa}h1{font-size:18px;margin:0 0 12px}</style>
</head>
<body>
<h1>${esc(title)}</h1>
${renderMapFragment(map)}
</body>
</html>
`
}

/** What `recforge explore` did. */
export interface ExploreOutput {
  file: string
  dataset: string
  model: string
  params: ParamValues
  items: number
  dimensions: number
  clusters: { size: number; typical: string[] }[]
  explainedVarianceRatio: readonly [number, number]
  silhouette?: number
  seed: number
  timing: { fitSeconds: number; mapSeconds: number }
}

/** The registered models whose family defines item vectors, for error messages. */
function modelsWithVectors(registry: ModelRegistry): string[] {
  return registry
    .list()
    .filter((def) => {
      try {
        return typeof def.create(resolveParams(def, {})).itemVectors === 'function'
      } catch {
        return false
      }
    })
    .map((def) => def.name)
}

/**
 * `recforge explore`: fits a model on a whole dataset, maps its item vectors (PCA to 2-D,
 * k-means clusters, typical titles) and writes the map as one self-contained HTML file.
 *
 * @throws RecForgeError INVALID_ARGUMENT when the model has no item vectors (before fitting) or
 * for bad options; what loading the dataset throws.
 */
export async function runExplore(
  opts: { data: string; model: string; out?: string; clusters?: number; seed: number; set?: Record<string, string>; quiet?: boolean },
  registry: ModelRegistry,
): Promise<ExploreOutput> {
  const def = registry.get(opts.model)
  const params = resolveParams(def, opts.set ?? {})
  const model = def.create(params)
  if (typeof model.itemVectors !== 'function') itemEmbedding(model, def.name, `; models with item vectors: ${modelsWithVectors(registry).join(', ')}`)
  const reporter = new ProgressReporter('explore', opts.quiet)
  const ds = await loadDataset(resolveDataSpec(opts.data), { onProgress: reporter.onProgress })
  const t0 = Date.now()
  await model.fit(ds.interactions, { seed: fitSeed(opts.set, params, opts.seed), ...(ds.itemInfo ? { itemInfo: ds.itemInfo } : {}), onProgress: new ProgressReporter(def.name, opts.quiet).onProgress })
  const t1 = Date.now()
  const map = buildItemMap(model, ds.interactions, { model: def.name, dataset: ds.name, ...(ds.itemInfo ? { itemInfo: ds.itemInfo } : {}), ...(opts.clusters !== undefined ? { clusters: opts.clusters } : {}), seed: opts.seed })
  const file = path.resolve(opts.out ?? 'map.html')
  await writeFileAtomic(file, renderMapDocument(map))
  const t2 = Date.now()
  reporter.log(`explore: wrote ${file} (${map.ids.length} items, ${map.clusters.length} clusters)`)
  return {
    file,
    dataset: ds.name,
    model: def.name,
    params,
    items: map.ids.length,
    dimensions: map.dimensions,
    clusters: map.clusters.map((c) => ({ size: c.size, typical: Array.from(c.typical, (i) => map.titles[i] ?? map.ids[i]!) })),
    explainedVarianceRatio: map.explainedVarianceRatio,
    ...(map.silhouette !== undefined ? { silhouette: map.silhouette } : {}),
    seed: opts.seed,
    timing: { fitSeconds: (t1 - t0) / 1000, mapSeconds: (t2 - t1) / 1000 },
  }
}

/** Reads an optional integer query parameter within [1, max]. */
function intQuery(query: unknown, key: string, max: number): number | undefined {
  const v = (query as Record<string, unknown> | undefined)?.[key]
  if (v === undefined) return undefined
  const n = Number(v)
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1 || n > max) throw new RecForgeError('INVALID_ARGUMENT', `invalid query: ${key} must be an integer in 1..${max}; got ${JSON.stringify(v)}`)
  return n
}

/** What the explore routes read from the serving state (the app's RecService has it all). */
export interface ExploreSource {
  /** Names of the fitted models being served. */
  modelNames(): string[]
  model(name: string): { readonly model: Recommender<object> }
  readonly defaultModel: string
  /** The training data of the served models (their item and user indices) and the item titles. */
  readonly served: { readonly data: Interactions; readonly itemInfo?: ItemSideInfo }
}

/**
 * The web page's map and segments: `GET /explore/map?model=&clusters=` (the item map as
 * JSON with its rendered fragment) and `GET /explore/segments?model=&segments=` (user
 * segments). Without `model`, the default model if it has item vectors, else the first that has.
 * Results are cached per fitted model, so a retrain or reload computes them afresh.
 */
export function registerExploreRoutes(app: FastifyInstance, service: ExploreSource, routeOptions: RouteShorthandOptions = {}): void {
  const cache = new WeakMap<object, Map<string, unknown>>()
  const cached = <T>(model: object, key: string, make: () => T): T => {
    let m = cache.get(model)
    if (!m) cache.set(model, (m = new Map()))
    if (!m.has(key)) m.set(key, make())
    return m.get(key) as T
  }
  const pick = (query: unknown): { name: string; model: Recommender<object>; available: string[] } => {
    const available = service.modelNames().filter((n) => typeof service.model(n).model.itemVectors === 'function')
    const asked = (query as Record<string, unknown> | undefined)?.model
    if (asked !== undefined && typeof asked !== 'string') throw new RecForgeError('INVALID_ARGUMENT', 'invalid query: model must be a string')
    const name = asked ?? (available.includes(service.defaultModel) ? service.defaultModel : available[0])
    if (name === undefined) throw new RecForgeError('INVALID_ARGUMENT', `no served model has item vectors (serving ${service.modelNames().join(', ')}); serve one such as als, bpr or mf to see the map`)
    return { name, model: service.model(name).model, available }
  }
  app.get('/explore/map', routeOptions, async (req) => {
    const { name, model, available } = pick(req.query)
    const clusters = intQuery(req.query, 'clusters', 50) ?? 8
    return cached(model, `map:${clusters}`, () => {
      const { data, itemInfo } = service.served
      const map = buildItemMap(model, data, { model: name, clusters, ...(itemInfo ? { itemInfo } : {}) })
      return {
        model: name,
        available,
        items: map.ids.length,
        dimensions: map.dimensions,
        explainedVarianceRatio: map.explainedVarianceRatio,
        ...(map.silhouette !== undefined ? { silhouette: map.silhouette } : {}),
        clusters: map.clusters.map((c) => ({ size: c.size, typical: Array.from(c.typical, (i) => ({ id: map.ids[i]!, ...(map.titles[i] ? { title: map.titles[i] } : {}) })) })),
        html: renderMapFragment(map),
      }
    })
  })
  app.get('/explore/segments', routeOptions, async (req) => {
    const { name, model } = pick(req.query)
    const segments = intQuery(req.query, 'segments', 50) ?? 6
    return cached(model, `segments:${segments}`, () => {
      const { data, itemInfo } = service.served
      return buildUserSegments(model, data, { model: name, segments, ...(itemInfo ? { itemInfo } : {}) })
    })
  })
}

/** The page's section for the map and the user segments (filled by {@link explorePageScript}). */
export function explorePageSection(): string {
  return `<section id="explore">
    <h2>Embedding map and user segments</h2>
    <label>Model <select id="map-model"></select></label>
    <div id="map" class="muted">Loading the map…</div>
    <h3>User segments</h3>
    <p class="muted">Users clustered by their vectors; each segment's top items are those its centre scores highest.</p>
    <div id="segments" class="cols muted"></div>
  </section>`
}

/** The page script that loads the map and the segments; uses the page's `$`, `esc`, `api` and `list`. */
export function explorePageScript(): string {
  return `
async function loadExplore(model) {
  const q = model ? '?model=' + encodeURIComponent(model) : '';
  try {
    const m = await api('/explore/map' + q);
    $('map').classList.remove('muted');
    $('map').innerHTML = m.html;
    $('map-model').innerHTML = m.available.map((n) => '<option' + (n === m.model ? ' selected' : '') + '>' + esc(n) + '</option>').join('');
  } catch (e) {
    $('map').innerHTML = '<p class="muted">' + esc(e.message) + '</p>';
    return;
  }
  try {
    const s = await api('/explore/segments?model=' + encodeURIComponent($('map-model').value));
    $('segments').classList.remove('muted');
    $('segments').innerHTML = s.segments.map((g, i) => '<div class="col" data-segment="' + i + '"><h3>Segment ' + (i + 1) + ' <span class="muted">' + g.size + ' users</span></h3>' + list(g.items) + '</div>').join('');
  } catch (e) { $('segments').innerHTML = '<p class="muted">' + esc(e.message) + '</p>'; }
}
$('map-model').onchange = () => loadExplore($('map-model').value);
loadExplore().catch(() => {});
`
}
