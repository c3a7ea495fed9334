#!/usr/bin/env node
// Makes sure Debian's Chromium is present for the browser test: installs it with apt-get when
// running as root on Debian/Ubuntu, otherwise explains what to do. Playwright's own browser
// download is not used (it needs hosts other than the package registries).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const path = process.env.RECFORGE_CHROMIUM ?? '/usr/bin/chromium'
if (process.env.RECFORGE_SKIP_BROWSER === '1' || existsSync(path)) process.exit(0)
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
if (isRoot && existsSync('/usr/bin/apt-get')) {
  process.stderr.write('Installing Debian chromium for the browser test (apt-get)...\n')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env })
  process.exit(0)
}
process.stderr.write(
  `Chromium is not at ${path}. Install it (Debian/Ubuntu: sudo apt-get install chromium), point RECFORGE_CHROMIUM at a Chromium binary, or set RECFORGE_SKIP_BROWSER=1 to skip the browser test.\n`,
)
process.exit(1)
