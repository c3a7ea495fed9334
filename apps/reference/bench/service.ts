/**
 * The reference app as a service: acknowledged feedback events per second (single-event
 * requests, 20 connections) with the embedded store, with the log in memory for comparison, and
 * GET /recommendations latency while a retrain runs. Models: pop, itemknn and als fitted on the
 * built-in MovieLens latest-small (one case without als, whose per-event refit of the user
 * dominates the known-user path). Run from the repository root:
 *   flock /tmp/recforge-bench.lock npx pnpm@10.34.9 --filter @recforge/cli bench
 * SERVICE_BENCH_EVENTS sets the requests per feedback run (default 30000). Writes
 * bench/results/reference-service.{json,md}; with SERVICE_BENCH_ONLY=<text> it runs only the
 * cases whose name contains the text (for profiling), SERVICE_BENCH_REPEAT times each (default 3),
 * and writes the results to a temporary folder.
 */
import { fork } from 'node:child_process'
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { runSuite, type BenchCase } from '@recforge/bench'
import { runTrain } from '../src/commands'
import { createRegistry } from '../src/models'
import { readGeneration } from '../src/generations'
import { startServing, type Serving } from '../src/serve'

const EVENTS = Number(process.env['SERVICE_BENCH_EVENTS'] ?? 30_000)
const registry = createRegistry()
const root = await mkdtemp(path.join(tmpdir(), 'recforge-service-bench-'))
const pristine = path.join(root, 'pristine')
await runTrain({ data: 'builtin', models: ['pop', 'itemknn', 'als'], seed: 42, modelDir: pristine, quiet: true }, registry)
// without als no served model learns from each event: what the log itself costs for known users
const plain = path.join(root, 'plain')
await runTrain({ data: 'builtin', models: ['pop', 'itemknn'], seed: 42, modelDir: plain, quiet: true }, registry)
const gen = await readGeneration(pristine, registry)
const users = gen.data.users.ids()
const items = gen.data.items.ids()
const open = { writesPerMinute: 0, readsPerMinute: 0 }

let n = 0
let serving: Serving | undefined
const fresh = async (memory: boolean, from = pristine): Promise<Serving> => {
  await serving?.close()
  const dir = path.join(root, `run-${n++}`)
  await cp(from, dir, { recursive: true })
  serving = memory
    ? // the same models and data with the log in memory: what durability costs
      await startServing({ registry, data: gen.data, ...(gen.itemInfo ? { itemInfo: gen.itemInfo } : {}), models: gen.models, port: 0, bandit: 'none', security: open })
    : await startServing({ registry, modelDir: dir, port: 0, bandit: 'none', security: open })
  return serving
}

/**
 * Sends EVENTS single-event POST /feedback requests over 20 connections; users known (from the
 * training data) or new. Besides the acknowledged events per second it reports the model updates
 * still held when the last acknowledgement came (pendingUsers, lagMs: how long the oldest waited),
 * the seconds until all of them were applied once writes stopped (settleSeconds), and the process
 * CPU time per event up to then (cpuMsPerEvent: server and log; the load generator is the child
 * process of bench/load.ts), a figure that other load on the machine changes less than the rate.
 */
async function feedback(s: Serving, known: boolean): Promise<Record<string, number>> {
  const specFile = path.join(root, 'load.json')
  await writeFile(specFile, JSON.stringify({ url: `${s.url}feedback`, amount: EVENTS, connections: 20, known, users, items }))
  const cpu0 = process.cpuUsage()
  // the load generator runs in its own process: on this process's event loop it took about a third of the time
  const child = fork(fileURLToPath(new URL('./load.ts', import.meta.url)), [specFile], { execArgv: ['--import', 'tsx'] })
  const r = await new Promise<{ '2xx': number; non2xx: number; p99: number; seconds: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { '2xx': number; non2xx: number; p99: number; seconds: number }))
    child.once('exit', (code) => reject(new Error(`the load generator exited with ${code} before reporting`)))
  })
  const t1 = performance.now()
  // the generator's own clock, from its first request to its last answer (not its start-up)
  const seconds = r.seconds
  const acknowledged = r['2xx']
  const stats = s.service.stats()
  if (stats.feedbackEvents < acknowledged) throw new Error(`stored ${stats.feedbackEvents} < acknowledged ${acknowledged}`)
  const held = stats.modelUpdates
  while (s.service.modelUpdates.size) await new Promise((done) => setTimeout(done, 5))
  const settleSeconds = (performance.now() - t1) / 1000
  const cpu = process.cpuUsage(cpu0)
  return {
    eventsPerSecond: acknowledged / seconds,
    p99ms: r.p99,
    acknowledged,
    non2xx: r.non2xx,
    pendingUsers: held.pending,
    lagMs: held.lagMs,
    settleSeconds,
    cpuMsPerEvent: (cpu.user + cpu.system) / 1000 / acknowledged,
  }
}

/** GET /recommendations (als) over 10 connections for `seconds`, or until `until` resolves. */
async function reads(s: Serving, opts: { seconds?: number; until?: Promise<unknown> }): Promise<Record<string, number>> {
  let k = 0
  const inst = autocannon({
    url: s.url,
    connections: 10,
    duration: opts.seconds ?? 600,
    requests: [{ setupRequest: (req) => ({ ...req, path: `/recommendations/${users[(k++ * 31) % users.length]}?model=als&k=10` }) }],
  })
  if (opts.until) void opts.until.then(() => (inst as unknown as { stop(): void }).stop())
  const r = await inst
  return { requestsPerSecond: r.requests.average, p50ms: r.latency.p50, p99ms: r.latency.p99, maxms: r.latency.max, non2xx: r.non2xx }
}

let current: Serving | undefined
const cases: BenchCase[] = [
  { name: `feedback, known users, embedded store (${EVENTS} requests, 20 connections)`, repeat: 3, warmup: 0, setup: async () => void (current = await fresh(false)), run: () => feedback(current!, true) },
  { name: `feedback, new users, embedded store (${EVENTS} requests, 20 connections)`, repeat: 3, warmup: 0, setup: async () => void (current = await fresh(false)), run: () => feedback(current!, false) },
  { name: `feedback, known users, embedded store, pop and itemknn only (${EVENTS} requests, 20 connections)`, repeat: 3, warmup: 0, setup: async () => void (current = await fresh(false, plain)), run: () => feedback(current!, true) },
  { name: `feedback, known users, log in memory (${EVENTS} requests, 20 connections)`, repeat: 3, warmup: 0, setup: async () => void (current = await fresh(true)), run: () => feedback(current!, true) },
  { name: `feedback, new users, log in memory (${EVENTS} requests, 20 connections)`, repeat: 3, warmup: 0, setup: async () => void (current = await fresh(true)), run: () => feedback(current!, false) },
  { name: 'GET /recommendations als, idle (10 s, 10 connections)', repeat: 3, warmup: 0, setup: async () => void (current = await fresh(false)), run: () => reads(current!, { seconds: 10 }) },
  {
    name: 'GET /recommendations als, while retraining pop, itemknn, als (10 connections)',
    repeat: 3,
    warmup: 0,
    setup: async () => void (current = await fresh(false)),
    run: async () => {
      const { done } = await current!.retrain!()
      const t0 = Date.now()
      const out = await reads(current!, { until: done })
      const status = await done
      if (status.status !== 'done') throw new Error(`retrain ${status.status}: ${status.error}`)
      return { ...out, retrainSeconds: (Date.now() - t0) / 1000 }
    },
  },
]

const only = process.env['SERVICE_BENCH_ONLY']
try {
  await runSuite('reference-service', only ? cases.filter((c) => c.name.includes(only)).map((c) => ({ ...c, repeat: Number(process.env['SERVICE_BENCH_REPEAT'] ?? 3) })) : cases, {
    ...(only ? { resultsDir: path.join(root, 'results') } : {}),
    command: 'flock /tmp/recforge-bench.lock npx pnpm@10.34.9 --filter @recforge/cli bench',
    notes: ['median over 3 runs of each figure; each run starts a fresh server on a fresh copy of the model folder', 'eventsPerSecond counts acknowledged (202) single-event requests; every acknowledged event was stored'],
  })
} finally {
  await serving?.close()
  await rm(root, { recursive: true, force: true })
}
