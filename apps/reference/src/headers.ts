import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet from 'helmet'

/**
 * The security headers of every answer, as helmet sets them with its defaults and this
 * Content-Security-Policy, computed once. Directive values are fixed strings (no per-request
 * nonces), so every answer gets the same headers.
 *
 * helmet's middleware sets the same headers on every response for fixed options, but building
 * it (and its Content-Security-Policy string) per request, as a per-request plugin does, cost
 * about 7% of the server's time under single-event feedback load. Here the middleware runs once
 * against a recorder and each answer gets the recorded headers.
 *
 * @example
 * ```ts
 * const headers = securityHeaders({ defaultSrc: ["'self'"], objectSrc: ["'none'"] })
 * app.addHook('onRequest', async (_req, reply) => void reply.headers(headers))
 * ```
 */
export function securityHeaders(directives: Readonly<Record<string, readonly string[]>>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
      return recorder
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()]
    },
    getHeader: (name: string) => headers[name.toLowerCase()],
  }
  let failed: unknown
  helmet({ contentSecurityPolicy: { directives } })({ headers: {}, method: 'GET', url: '/' } as IncomingMessage, recorder as unknown as ServerResponse, (e?: unknown) => (failed = e))
  if (failed) throw failed
  return Object.freeze(headers)
}
