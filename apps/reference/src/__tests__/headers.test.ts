import { createServer as createHttpServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import helmet from 'helmet'
import { describe, expect, it } from 'vitest'
import { securityHeaders } from '../headers'

const directives = { defaultSrc: ["'self'"], scriptSrc: ["'self'", "'sha256-abc='"], objectSrc: ["'none'"] }

/** The headers helmet's own middleware sets on a real Node response. */
async function helmetOnARealResponse(): Promise<Record<string, string>> {
  const middleware = helmet({ contentSecurityPolicy: { directives } })
  const server = createHttpServer((req, res) => middleware(req, res, () => res.end('ok')))
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  try {
    const { port } = server.address() as AddressInfo
    return await new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/' }, (res) => {
        res.resume()
        const out: Record<string, string> = {}
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(k)) out[k] = String(v)
        resolve(out)
      })
        .on('error', reject)
        .end()
    })
  } finally {
    server.close()
  }
}

describe('securityHeaders', () => {
  it('records exactly the headers helmet sets on a response', async () => {
    const ours = securityHeaders(directives)
    expect(ours).toEqual(await helmetOnARealResponse())
    expect(ours['content-security-policy']).toContain("script-src 'self' 'sha256-abc='")
    expect(ours['x-frame-options']).toBe('SAMEORIGIN')
    expect(Object.isFrozen(ours)).toBe(true)
  })

  it('refuses a directive helmet rejects, when built, not per request', () => {
    expect(() => securityHeaders({ defaultSrc: ["'self'"], scriptSrc: ["'self';evil"] })).toThrow(/script-src/i)
  })
})
