import { RecForgeError } from '@recforge/core'
import type { CleaningOptions } from './contract'
import type { SecurityOptions } from './server'

/** Command-line flags shared by the commands that load data or serve (see `parseArgs` in main). */
export interface SharedFlags {
  'on-bad-row'?: string
  duplicates?: string
  'rating-range'?: string
  'trim-ids'?: boolean
  'writes-per-minute'?: string
  'reads-per-minute'?: string
  cors?: string
  'allowed-hosts'?: string
  'trust-proxy'?: boolean
  'value-range'?: string
}

/** The `parseArgs` options of {@link SharedFlags}. */
export const SHARED_FLAG_OPTIONS = {
  'on-bad-row': { type: 'string' },
  duplicates: { type: 'string' },
  'rating-range': { type: 'string' },
  'trim-ids': { type: 'boolean' },
  'writes-per-minute': { type: 'string' },
  'reads-per-minute': { type: 'string' },
  cors: { type: 'string' },
  'allowed-hosts': { type: 'string' },
  'trust-proxy': { type: 'boolean' },
  'value-range': { type: 'string' },
} as const

/** Help text of the loader flags. */
export const CLEANING_HELP = `  --on-bad-row error|skip   stop at a malformed row (default) or skip it; skipped rows are counted
  --duplicates keep|latest|first|mean   repeated (user, item) rows: keep all (default, counted) or merge
  --rating-range min:max[:clamp]   drop (or clamp) values outside the range; MovieLens and Goodbooks default to their scales
  --trim-ids           remove white space around ids (otherwise counted and kept)`

/** Help text of the server flags. */
export const SERVER_HELP = `  --database <url>     PostgreSQL for the event log, shared by instances (default DATABASE_URL, else embedded in the model folder)
  --writes-per-minute n, --reads-per-minute n   per-client rate limits (defaults 1200 and 6000; 0 turns one off)
  --cors <origins>     comma-separated origins allowed to call the API from a browser (default: CORS off)
  --allowed-hosts <h>  comma-separated Host header values to answer (default: any)
  --trust-proxy        take client addresses from X-Forwarded-For (for rate limits behind a proxy)
  --value-range min:max   accepted feedback values (default -100:100)
  --bandit-state <file>   where the bandit's learned state is kept (default <model-dir>/bandit.rfa)
Keys come from the environment: RECFORGE_API_KEY (admin routes), RECFORGE_WRITE_KEY (POST /feedback and
POST /users need it in x-api-key when set).`

function range(flag: string, v: string): { min: number; max: number; clamp?: boolean } {
  const [lo, hi, mode, ...rest] = v.split(':')
  const min = Number(lo)
  const max = Number(hi)
  if (lo === undefined || hi === undefined || lo.trim() === '' || hi.trim() === '' || !Number.isFinite(min) || !Number.isFinite(max) || min > max || rest.length || (mode !== undefined && mode !== 'clamp')) {
    throw new RecForgeError('INVALID_ARGUMENT', `--${flag} expects min:max with min <= max${flag === 'rating-range' ? ' (and :clamp to clamp instead of dropping)' : ''}; got ${JSON.stringify(v)}`)
  }
  return { min, max, ...(mode === 'clamp' ? { clamp: true } : {}) }
}

function count(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0) throw new RecForgeError('INVALID_ARGUMENT', `--${flag} expects a whole number of requests (0 for no limit); got ${JSON.stringify(v)}`)
  return n
}

const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)

/** The loader options of `--on-bad-row`, `--duplicates`, `--rating-range` and `--trim-ids`. */
export function cleaningFrom(f: SharedFlags): CleaningOptions {
  const out: CleaningOptions = {}
  const bad = f['on-bad-row']
  if (bad !== undefined) {
    if (bad !== 'error' && bad !== 'skip') throw new RecForgeError('INVALID_ARGUMENT', `--on-bad-row expects error or skip; got ${JSON.stringify(bad)}`)
    out.onBadRow = bad
  }
  const d = f.duplicates
  if (d !== undefined) {
    if (d !== 'keep' && d !== 'latest' && d !== 'first' && d !== 'mean') throw new RecForgeError('INVALID_ARGUMENT', `--duplicates expects keep, latest, first or mean; got ${JSON.stringify(d)}`)
    out.duplicates = d
  }
  if (f['rating-range'] !== undefined) out.ratingRange = range('rating-range', f['rating-range'])
  if (f['trim-ids']) out.trimIds = true
  return out
}

/** The server options of the rate-limit, CORS, host and proxy flags (keys come from the environment). */
export function securityFrom(f: SharedFlags): SecurityOptions {
  const writes = count('writes-per-minute', f['writes-per-minute'])
  const reads = count('reads-per-minute', f['reads-per-minute'])
  const cors = list(f.cors)
  const hosts = list(f['allowed-hosts'])
  return {
    ...(writes !== undefined ? { writesPerMinute: writes } : {}),
    ...(reads !== undefined ? { readsPerMinute: reads } : {}),
    ...(cors.length ? { corsOrigins: cors } : {}),
    ...(hosts.length ? { allowedHosts: hosts } : {}),
    ...(f['trust-proxy'] ? { trustProxy: true } : {}),
  }
}

/** `--value-range min:max`, or undefined. */
export function valueRangeFrom(f: SharedFlags): { min: number; max: number } | undefined {
  if (f['value-range'] === undefined) return undefined
  const { min, max } = range('value-range', f['value-range'])
  return { min, max }
}

/** Within this long after SIGTERM or SIGINT the process exits, finished or not. */
export const SHUTDOWN_DEADLINE_MS = 10_000

/**
 * Waits for SIGTERM or SIGINT, then stops gracefully (`close`: no new connections, in-flight
 * requests finish, the log is flushed, state saved) and resolves with the exit code: 0, or 1 when
 * closing failed or did not finish before {@link SHUTDOWN_DEADLINE_MS}.
 */
export function untilStopped(close: () => Promise<void>, log: (message: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      log(`${signal}: finishing in-flight requests and flushing the event log...`)
      const timer = setTimeout(() => {
        log(`could not stop within ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting`)
        resolve(1)
      }, SHUTDOWN_DEADLINE_MS - 500)
      timer.unref()
      close().then(
        () => {
          clearTimeout(timer)
          log('stopped')
          resolve(0)
        },
        (e: unknown) => {
          clearTimeout(timer)
          log(`stopping failed: ${(e as Error).message}`)
          resolve(1)
        },
      )
    }
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
}
