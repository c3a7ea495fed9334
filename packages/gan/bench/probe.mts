import { loadRatings, holdoutFull, rankingMetrics } from './holdout'
import { CFGAN, IRGAN } from '../src/index'
const data = loadRatings()
const split = holdoutFull(data, 42)
const which = process.argv[2]
const t0 = Date.now()
const m = which === 'cfgan' ? new CFGAN({ epochs: Number(process.argv[3] ?? 3) }) : new IRGAN({ pretrainEpochs: Number(process.argv[3] ?? 2), epochs: Number(process.argv[4] ?? 2) })
await m.fit(split.train, { seed: 42, onProgress: (e) => console.error(e.stage, e.current, JSON.stringify(e.metrics), (Date.now() - t0) / 1000) })
console.log('fit s', (Date.now() - t0) / 1000)
console.log(rankingMetrics(m, split))
