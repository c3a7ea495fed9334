// Bundled for the browser by browser.test.ts: loads ml-latest-small over HTTP from the test server
// with @recforge/data's web loader, then fits ALS and searches an HNSW index (alsHnsw.ts).
import { fetchSource, loadMovieLensLatestFrom } from '@recforge/data'
import { fitAndRecommend } from './alsHnsw'

async function runAlsHnsw() {
  const started = performance.now()
  const ds = await loadMovieLensLatestFrom({ ratings: fetchSource('/ml/ratings.csv'), movies: fetchSource('/ml/movies.csv') })
  const result = await fitAndRecommend(ds)
  return {
    ...result,
    isolated: globalThis.crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
    reports: ds.reports.map((r) => ({ file: r.file, rowsKept: r.rowsKept })),
    seconds: (performance.now() - started) / 1000,
  }
}

;(globalThis as { runAlsHnsw?: typeof runAlsHnsw }).runAlsHnsw = runAlsHnsw
