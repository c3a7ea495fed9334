/**
 * The load generator of bench/service.ts, in a process of its own so that it does not share the
 * server's event loop: POSTs `amount` single-event /feedback requests over `connections`
 * connections and sends autocannon's result, with its own wall time, back over IPC. Its one argument is a JSON file:
 * { url, amount, connections, known, users, items }.
 */
import { readFile } from 'node:fs/promises'
import autocannon from 'autocannon'

interface LoadSpec {
  url: string
  amount: number
  connections: number
  known: boolean
  users: string[]
  items: string[]
}

const spec = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as LoadSpec
let k = 0
const t0 = performance.now()
const r = await autocannon({
  url: spec.url,
  method: 'POST',
  connections: spec.connections,
  amount: spec.amount,
  headers: { 'content-type': 'application/json' },
  requests: [
    {
      setupRequest: (req) => {
        const j = k++
        const user = spec.known ? spec.users[(j * 7919) % spec.users.length] : `new-${j % 5000}`
        return { ...req, body: JSON.stringify({ user, item: spec.items[(j * 104729) % spec.items.length], event: 'click' }) }
      },
    },
  ],
})
process.send!({ '2xx': r['2xx'], non2xx: r.non2xx, p99: r.latency.p99, seconds: (performance.now() - t0) / 1000 })
