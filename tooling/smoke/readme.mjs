// Reads a package README the way the install smoke test needs it: the npm install lines of its
// "Install" section, its ts/js examples (verbatim) with the output block that follows each, and
// the rules of a README written for npm users (no monorepo commands outside "Development", no
// relative links).

/** Splits a README into sections by `##` heading; `###` and deeper stay inside their `##` section. */
function sections(text) {
  const out = []
  let current = { heading: '', lines: [], start: 1 }
  text.split('\n').forEach((line, i) => {
    if (/^## /.test(line)) {
      out.push(current)
      current = { heading: line.slice(3).trim(), lines: [], start: i + 1 }
    }
    current.lines.push(line)
  })
  out.push(current)
  return out
}

/** Fenced blocks with their language, text, line and the comment line right before the fence. */
function blocks(lines, start) {
  const out = []
  for (let i = 0; i < lines.length; i++) {
    const m = /^```(\w*)\s*$/.exec(lines[i])
    if (!m) continue
    let j = i + 1
    while (j < lines.length && !/^```\s*$/.test(lines[j])) j++
    let before = i - 1
    while (before >= 0 && lines[before].trim() === '') before--
    const prev = before >= 0 ? lines[before].trim() : ''
    out.push({ lang: m[1], code: lines.slice(i + 1, j).join('\n') + '\n', line: start + i, endIndex: j, index: i, note: prev })
    i = j
  }
  return out
}

const isDevelopment = (heading) => /^development\b/i.test(heading)
const EXAMPLE_LANGS = new Set(['ts', 'js', 'mjs', 'mts'])

/**
 * Everything the smoke test takes from one README.
 * @returns {{ installs: { line: string, specs: string[] }[], examples: { line: number, lang: string, code: string, expected?: string, skip?: string }[], problems: string[] }}
 */
export function parseReadme(text, file) {
  const installs = []
  const examples = []
  const problems = []
  for (const sec of sections(text)) {
    const dev = isDevelopment(sec.heading)
    const bs = blocks(sec.lines, sec.start)
    for (let b = 0; b < bs.length; b++) {
      const blk = bs[b]
      if (/^install\b/i.test(sec.heading) && (blk.lang === 'sh' || blk.lang === 'bash')) {
        const joined = blk.code.replace(/\\\n\s*/g, ' ')
        for (const raw of joined.split('\n')) {
          const line = raw.replace(/#.*$/, '').trim()
          if (!line) continue
          const m = /^npm (?:i|install)\s+(.*)$/.exec(line)
          if (!m) {
            problems.push(`${file}:${blk.line}: the Install section has a command that is not \`npm install\`: ${line}`)
            continue
          }
          installs.push({ line, specs: m[1].split(/\s+/).filter((s) => s && !s.startsWith('-')) })
        }
      }
      if (!dev && (blk.lang === 'sh' || blk.lang === 'bash') && /\bpnpm\b|--filter|flock /.test(blk.code)) {
        problems.push(`${file}:${blk.line}: a monorepo command outside the "Development" section: ${blk.code.trim().split('\n')[0]}`)
      }
      if (!dev && EXAMPLE_LANGS.has(blk.lang)) {
        const skip = /^<!--\s*not run:\s*(.*?)\s*-->$/.exec(blk.note)?.[1]
        const next = bs[b + 1]
        // an output block belongs to the example when only prose stands between them
        const expected = next && next.lang === 'text' ? next.code.trim() : undefined
        examples.push({ line: blk.line, lang: blk.lang, code: blk.code, ...(expected !== undefined ? { expected } : {}), ...(skip ? { skip } : {}) })
      }
    }
    if (!dev) {
      // inline code and links, outside fenced blocks
      let inFence = false
      sec.lines.forEach((l, k) => {
        if (/^```/.test(l)) inFence = !inFence
        if (inFence) return
        for (const m of l.matchAll(/`([^`]+)`/g)) {
          if (/\bpnpm (?:-s |--filter|install|add|build|test|bench|generate|exec)/.test(m[1])) problems.push(`${file}:${sec.start + k}: a monorepo command outside the "Development" section: ${m[1]}`)
        }
        for (const m of l.matchAll(/\]\(([^)\s]+)[^)]*\)/g)) {
          if (!/^(https?:|mailto:|#)/.test(m[1])) problems.push(`${file}:${sec.start + k}: a relative link (${m[1]}) breaks on npm; use an absolute URL`)
        }
      })
    }
  }
  if (installs.length === 0) problems.push(`${file}: no \`npm install\` line in an "Install" section`)
  return { installs, examples, problems }
}

/** The package name of an install spec or an import specifier: `@scope/name@1.2.3` → `@scope/name`, `pkg/sub` → `pkg`. */
export function packageName(spec) {
  const parts = spec.split('/')
  const name = spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]
  return name.replace(/(.)@.*$/, '$1')
}

/** Module specifiers an example imports (static imports, `import()` and `require()` with a literal). */
export function importsOf(code) {
  const out = new Set()
  for (const m of code.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g)) out.add(m[1])
  for (const m of code.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.add(m[1])
  for (const m of code.matchAll(/\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g)) out.add(m[1])
  return [...out]
}

/**
 * The example as a CommonJS module body: its leading import statements stay at the top (esbuild
 * turns them into `require` calls), the rest goes into an async function, because CommonJS has no
 * top-level await.
 */
export function wrapForCommonJs(code) {
  const lines = code.split('\n')
  const head = []
  let i = 0
  while (i < lines.length) {
    const l = lines[i]
    if (/^\s*$/.test(l) || /^\s*\/\//.test(l)) {
      head.push(l)
      i++
      continue
    }
    if (!/^import\s/.test(l)) break
    // an import statement may span lines until its module specifier
    let stmt = l
    while (!/from\s*['"][^'"]+['"]\s*;?\s*$|^import\s*['"][^'"]+['"]\s*;?\s*$/.test(stmt) && i + 1 < lines.length) stmt += '\n' + lines[++i]
    head.push(stmt)
    i++
  }
  const body = lines.slice(i).join('\n')
  return `${head.join('\n')}\nasync function main(): Promise<void> {\n${body}\n}\nmain().catch((e: unknown) => {\n  console.error(e)\n  process.exit(1)\n})\n`
}
