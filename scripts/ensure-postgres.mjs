#!/usr/bin/env node
// Makes sure a PostgreSQL server with pgvector can be started for the tests that need a real
// server (the reference app's scale-out test, PgVectorStore on a server): installs Debian's
// postgresql-15 and postgresql-server-dev-15 with apt-get when running as root, then builds
// pgvector from the vendored source archive (../shared/vendor, PostgreSQL licence) and installs it
// into that server. Otherwise it explains what is missing; the tests then say they were skipped
// and why. RECFORGE_SKIP_POSTGRES=1 skips all of this.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const VERSION = '15'
const PGVECTOR = 'pgvector-0.8.6'
const bin = `/usr/lib/postgresql/${VERSION}/bin`
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const tarball = process.env.RECFORGE_PGVECTOR_TARBALL ?? path.resolve(repo, '..', 'shared', 'vendor', `${PGVECTOR}.tar.gz`)
const say = (m) => process.stderr.write(`ensure-postgres: ${m}\n`)

if (process.env.RECFORGE_SKIP_POSTGRES === '1') process.exit(0)
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
const hasApt = existsSync('/usr/bin/apt-get')
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env, ...opts })
const sharedir = () => execFileSync(path.join(bin, 'pg_config'), ['--sharedir'], { encoding: 'utf8' }).trim()
const hasVector = () => existsSync(path.join(bin, 'pg_config')) && existsSync(path.join(sharedir(), 'extension', 'vector.control'))

const serverHeaders = () => existsSync(path.join(bin, 'pg_config')) && existsSync(path.join(execFileSync(path.join(bin, 'pg_config'), ['--includedir-server'], { encoding: 'utf8' }).trim(), 'postgres.h'))

if (!existsSync(path.join(bin, 'initdb')) || (!hasVector() && !serverHeaders())) {
  if (!isRoot || !hasApt) {
    say(`PostgreSQL ${VERSION} is not installed (${bin}); as root on Debian/Ubuntu: apt-get install postgresql-${VERSION} postgresql-server-dev-${VERSION}. The tests that need a server will be skipped.`)
    process.exit(0)
  }
  say(`installing Debian's postgresql-${VERSION} and postgresql-server-dev-${VERSION} (apt-get)...`)
  run('apt-get', ['update', '-qq'])
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', `postgresql-${VERSION}`, `postgresql-server-dev-${VERSION}`, 'make', 'gcc'])
}

if (!hasVector()) {
  if (!existsSync(tarball)) {
    say(`pgvector is not installed and its source ${tarball} is missing; the PgVectorStore server tests will be skipped.`)
    process.exit(0)
  }
  if (!isRoot) {
    say(`pgvector is not installed; as root: tar xzf ${tarball} -C /tmp && make -C /tmp/${PGVECTOR} OPTFLAGS="" PG_CONFIG=${bin}/pg_config install. The PgVectorStore server tests will be skipped.`)
    process.exit(0)
  }
  say(`building ${PGVECTOR} from ${tarball}...`)
  const work = mkdtempSync(path.join(tmpdir(), 'recforge-pgvector-'))
  try {
    run('tar', ['xzf', tarball, '-C', work])
    const src = path.join(work, PGVECTOR)
    // OPTFLAGS="" keeps -march=native out, so the build runs on any x86-64 machine
    run('make', ['-s', '-C', src, 'OPTFLAGS=', `PG_CONFIG=${bin}/pg_config`])
    run('make', ['-s', '-C', src, 'OPTFLAGS=', `PG_CONFIG=${bin}/pg_config`, 'install'])
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
say(`PostgreSQL ${VERSION} with pgvector is ready (${bin})`)
