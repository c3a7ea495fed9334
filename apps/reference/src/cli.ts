#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { isRecForgeError, RecForgeError } from '@recforge/core'
import { knownDatasets } from './datasets'
import { runDemo } from './demo'
import { runEvaluate, PROTOCOLS } from './evaluate'
import { createRegistry } from './models'
import { ProgressReporter } from './progress'
import { VERSION } from './version'

const HELP: Record<string, string> = {
  main: `recforge ${VERSION}: train, compare and evaluate recommenders

Usage: recforge <command> [options]

Commands:
  evaluate   evaluate one model under a named protocol (EVAL.md)
  models     list registered models with their parameters and defaults
  datasets   list the dataset specs --data accepts
  demo       the main job: evaluate the built-in models on the built-in dataset and print a comparison

Run \`recforge <command> --help\` for a command's options.`,
  evaluate: `Usage: recforge evaluate --data <spec> --model <name> --protocol <protocol>
                         [--k 10] [--seed 42] [--set key=value ...] [--json]

  --data <spec>        movielens-100k:<dir>, movielens-1m:<dir>, movielens-latest:<dir>, goodbooks-10k:<dir>,
                       csv:<file>, synthetic:<preset>, or builtin (see \`recforge datasets\`)
  --model <name>       a registered model (see \`recforge models\`)
  --protocol <name>    ${PROTOCOLS.join(', ')}
  --k <n>              cut-off for ranking metrics (default 10)
  --seed <n>           seed for splits, sampling and training (default 42)
  --set key=value      override a model parameter (repeatable)
  --min-rating <r>     holdout-full / temporal-full: only test ratings >= r are relevant
  --train <file>       given: training interactions (same column options as csv:)
  --test <file>        given: test interactions
  --user-col, --item-col, --rating-col, --time-col, --sep   column options for csv: and given
  --json               print exactly one JSON object on stdout; progress and logs go to stderr`,
  models: `Usage: recforge models [--json]

Lists every registered model with its task, package and parameters (type, default, range).`,
  datasets: `Usage: recforge datasets [--json]

Lists the dataset specs --data accepts.`,
  demo: `Usage: recforge demo [--data builtin] [--protocol holdout-full] [--models pop,itemknn,ease] [--k 10] [--seed 42]
                   [--model-dir .recforge/models] [--host 127.0.0.1] [--port 8080] [--no-serve] [--json]

The main job: loads the dataset (the built-in MovieLens latest-small by default), trains and
evaluates several models under one protocol with progress on stderr, prints a comparison table,
saves the models, and starts the HTTP API and web page (unless --no-serve), printing its URL.
Admin routes need RECFORGE_API_KEY in the environment.`,
}

function parseSets(values: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const s of values ?? []) {
    const eq = s.indexOf('=')
    if (eq <= 0) throw new RecForgeError('INVALID_ARGUMENT', `--set expects key=value; got ${JSON.stringify(s)}`)
    out[s.slice(0, eq)] = s.slice(eq + 1)
  }
  return out
}

function parseIntFlag(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt
  const n = Number(v)
  if (!Number.isInteger(n)) throw new RecForgeError('INVALID_ARGUMENT', `--${name} must be an integer; got ${JSON.stringify(v)}`)
  return n
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP.main + '\n')
    return command ? 0 : 1
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(VERSION + '\n')
    return 0
  }
  if (!(command in HELP) || command === 'main') {
    process.stderr.write(`recforge: unknown command "${command}"\n\n${HELP.main}\n`)
    return 2
  }
  const { values } = parseArgs({
    args: rest,
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      data: { type: 'string' },
      model: { type: 'string' },
      models: { type: 'string' },
      protocol: { type: 'string' },
      k: { type: 'string' },
      seed: { type: 'string' },
      set: { type: 'string', multiple: true },
      'min-rating': { type: 'string' },
      train: { type: 'string' },
      test: { type: 'string' },
      'user-col': { type: 'string' },
      'item-col': { type: 'string' },
      'rating-col': { type: 'string' },
      'time-col': { type: 'string' },
      sep: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      'no-serve': { type: 'boolean' },
      host: { type: 'string' },
      port: { type: 'string' },
      'model-dir': { type: 'string' },
    },
  })
  if (values.help) {
    process.stdout.write(HELP[command] + '\n')
    return 0
  }
  const registry = createRegistry()
  const json = Boolean(values.json)
  switch (command) {
    case 'models': {
      const list = registry.list().map((d) => ({ name: d.name, task: d.task, package: d.package, description: d.description, params: d.params }))
      if (json) process.stdout.write(JSON.stringify(list) + '\n')
      else
        for (const d of list) {
          process.stdout.write(`${d.name.padEnd(10)} ${d.task.padEnd(8)} ${d.package.padEnd(22)} ${d.description}\n`)
          for (const [k, p] of Object.entries(d.params)) {
            const range = 'min' in p || 'max' in p ? ` [${'min' in p ? p.min : ''}..${'max' in p ? p.max : ''}]` : 'values' in p ? ` {${p.values.join('|')}}` : ''
            process.stdout.write(`    --set ${k}=${String(p.default).padEnd(10)} ${p.type}${range}  ${p.description}\n`)
          }
        }
      return 0
    }
    case 'datasets': {
      const list = knownDatasets()
      if (json) process.stdout.write(JSON.stringify(list) + '\n')
      else for (const d of list) process.stdout.write(`${d.spec.padEnd(24)} ${d.description}${d.available === false ? ' (missing)' : ''}\n`)
      return 0
    }
    case 'evaluate': {
      for (const req of ['model', 'protocol'] as const) {
        if (!values[req]) throw new RecForgeError('INVALID_ARGUMENT', `--${req} is required\n\n${HELP.evaluate}`)
      }
      const reporter = new ProgressReporter(values.model!, Boolean(values.quiet))
      const minRating = values['min-rating'] === undefined ? undefined : Number(values['min-rating'])
      if (minRating !== undefined && !Number.isFinite(minRating)) throw new RecForgeError('INVALID_ARGUMENT', `--min-rating must be a number; got ${values['min-rating']}`)
      const out = await runEvaluate(
        {
          ...(values.data ? { data: values.data } : {}),
          model: values.model!,
          protocol: values.protocol!,
          k: parseIntFlag('k', values.k, 10),
          seed: parseIntFlag('seed', values.seed, 42),
          set: parseSets(values.set),
          ...(minRating !== undefined ? { minRating } : {}),
          ...(values.train ? { train: values.train } : {}),
          ...(values.test ? { test: values.test } : {}),
          columns: {
            ...(values['user-col'] ? { userCol: values['user-col'] } : {}),
            ...(values['item-col'] ? { itemCol: values['item-col'] } : {}),
            ...(values['rating-col'] ? { ratingCol: values['rating-col'] } : {}),
            ...(values['time-col'] ? { timeCol: values['time-col'] } : {}),
            ...(values.sep ? { sep: values.sep } : {}),
          },
          onProgress: reporter.onProgress,
          log: (m) => reporter.log(m),
        },
        registry,
      )
      if (json) process.stdout.write(JSON.stringify(out) + '\n')
      else {
        process.stdout.write(`${out.model} on ${out.dataset} (${out.protocol}, k=${out.k}, seed=${out.seed}, backend ${out.backend})\n`)
        for (const [key, v] of Object.entries(out.metrics)) process.stdout.write(`  ${key.padEnd(14)} ${v}\n`)
        process.stdout.write(`  users evaluated ${out.usersEvaluated}, skipped ${out.usersSkipped}; fit ${out.timing.fitSeconds} s, eval ${out.timing.evalSeconds} s per fold\n`)
      }
      return 0
    }
    case 'demo': {
      await runDemo(
        {
          data: values.data ?? 'builtin',
          protocol: values.protocol ?? 'holdout-full',
          ...(values.models ? { models: values.models.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
          k: parseIntFlag('k', values.k, 10),
          seed: parseIntFlag('seed', values.seed, 42),
          json,
          quiet: Boolean(values.quiet),
          serve: !values['no-serve'],
          ...(values.host ? { host: values.host } : {}),
          ...(values.port !== undefined ? { port: parseIntFlag('port', values.port, 8080) } : {}),
          ...(values['model-dir'] ? { modelDir: values['model-dir'] } : {}),
        },
        registry,
      )
      return 0
    }
  }
  return 2
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    if (isRecForgeError(e)) process.stderr.write(`recforge: ${e.message}\n`)
    else if (e instanceof Error && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) process.stderr.write(`recforge: ${e.message}\n`)
    else process.stderr.write(`recforge: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    process.exitCode = 2
  },
)
