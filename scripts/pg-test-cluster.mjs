// A throwaway PostgreSQL cluster for tests: initdb in a temporary folder, a free port on
// 127.0.0.1, run as a non-root user (initdb refuses root: as root the `postgres` user that
// Debian's package creates runs it), removed again by stop(). When no server can be had it says
// why instead (`skipped`), so a test can report that it was skipped; with
// RECFORGE_REQUIRE_POSTGRES=1 (CI) that is an error instead.
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'

function binDir() {
  if (process.env.RECFORGE_PG_BIN) return process.env.RECFORGE_PG_BIN
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : []
  return path.join(root, versions.find((v) => existsSync(path.join(root, v, 'bin', 'initdb'))) ?? '15', 'bin')
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

function userId(name) {
  try {
    return { uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8' })) }
  } catch {
    return undefined
  }
}

/**
 * Starts a cluster. Resolves with `{ url, stop }`, or `{ skipped }` naming why no server could be
 * started (without RECFORGE_REQUIRE_POSTGRES=1).
 */
export async function startTestCluster() {
  const bin = binDir()
  const skip = (why) => {
    if (process.env.RECFORGE_REQUIRE_POSTGRES === '1') throw new Error(`PostgreSQL test cluster: ${why}`)
    return { skipped: why }
  }
  if (!existsSync(path.join(bin, 'initdb'))) return skip(`PostgreSQL is not installed (no ${path.join(bin, 'initdb')}); run \`node scripts/ensure-postgres.mjs\` as root`)
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const owner = isRoot ? userId('postgres') : undefined
  if (isRoot && !owner) return skip('running as root, which initdb refuses, and there is no `postgres` user to run the server as')
  const as = (cmd, args) => (isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args])
  const run = (cmd, args) => {
    const [c, a] = as(cmd, args)
    return execFileSync(c, a, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'recforge-pg-'))
  if (owner) chownSync(dir, owner.uid, owner.gid)
  const data = path.join(dir, 'data')
  const port = await freePort()
  let started = false
  const stop = () => {
    if (started) {
      try {
        run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'])
      } catch {
        // already gone
      }
      started = false
    }
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    run(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'recforge', '-E', 'UTF8', '--locale=C', '--no-sync'])
    run(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=60`, 'start'])
    started = true
  } catch (e) {
    stop()
    return skip(`the server did not start: ${String(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' ')}`)
  }
  process.once('exit', stop)
  return { url: `postgres://recforge@127.0.0.1:${port}/postgres`, stop: async () => stop() }
}
