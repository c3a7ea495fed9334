import { parseArgs } from 'node:util'
import { isRecForgeError, RecForgeError } from '@recforge/core'
import { knownDatasets } from './datasets'
import { runDemo } from './demo'
import { runEvaluate, PROTOCOLS } from './evaluate'
import { formatCompare, openService, runCompare, runServe, runTrain, runTune } from './commands'
import { runExplore } from './explore'
import { CLEANING_HELP, SERVER_HELP, SHARED_FLAG_OPTIONS, cleaningFrom, securityFrom, untilStopped, valueRangeFrom } from './flags'
import { createRegistry } from './models'
import { runForget } from './erasure'
import { defaultModelDir } from './generations'
import { WORKER_COMMAND, runTrainWorker } from './retrain'
import { ProgressReporter, formatNumber } from './progress'
import { VERSION } from './version'

const HELP: Record<string, string> = {
  main: `recforge ${VERSION}: train, compare and evaluate recommenders

Usage: recforge <command> [options]

Commands:
  demo       the main job: train and evaluate models on the built-in dataset, compare them, save them, serve them
  evaluate   evaluate one model under a named protocol (EVAL.md)
  compare    several models, one protocol: a table and paired significance tests
  tune       random or grid search over a model's parameters with a validation split
  train      fit models on a whole dataset and save them
  recommend  top-k items for a user from saved models
  similar    items similar to an item from saved models
  serve      the HTTP API and web page over saved models
  forget     erase a user offline: their events leave the log, and they leave answers and the next generation
  explore    a self-contained HTML map of a model's item vectors (PCA + k-means clusters)
  models     list registered models with their parameters and defaults
  datasets   list the dataset specs --data accepts

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
${CLEANING_HELP}
  --json               print exactly one JSON object on stdout (with "load": what loading the data did); progress and logs go to stderr`,
  compare: `Usage: recforge compare --data <spec> --models a,b[,c...] --protocol <protocol> [--k 10] [--seed 42] [--metric ndcg@10] [--json]

Evaluates every model on the same split and tests each against the first, paired by user
(paired t-test and Wilcoxon signed-rank, 95% confidence interval of the difference).`,
  tune: `Usage: recforge tune --data <spec> --model <name> --protocol <protocol> [--param key=v1,v2 | key=lo:hi[:log] ...]
                   [--search random|grid] [--trials 10] [--with-defaults] [--metric ndcg@10] [--k 10] [--seed 42] [--json]

Candidates are scored on a validation split cut from the training part only; the best is then
evaluated once on the test part. Without --param, the model's built-in search space (its most
influential parameters). A list parameter separates its candidates with ";"
(--param "layers=600,200;200"). --with-defaults scores the defaults as one more candidate (ties
keep them) and reports their test score beside the best's.`,
  train: `Usage: recforge train --data <spec> --models a,b [--set key=value ...] [--seed 42] [--model-dir .recforge/models] [--pseudonymize] [--json]

Fits each model on the whole dataset and writes them, with the data, as a new generation of the
model folder (generations/g-NNNNNN, then the CURRENT pointer switches: a crash leaves the old or
the new generation, never a mix). Events logged by \`serve\` are replayed on top of it at the next start.
Users erased from the folder (\`recforge forget\`, DELETE /users/:id) are left out.

  --pseudonymize       replace every user id by its keyed HMAC-SHA-256 at load time (secret from
                       RECFORGE_PSEUDONYM_KEY, at least 16 bytes): model files, the event log and
                       exports then hold pseudonyms only; serve and recommend map raw ids with the same key
${CLEANING_HELP}`,
  recommend: `Usage: recforge recommend --user <id> [--model <name>] [--k 10] [--model-dir .recforge/models] [--json]`,
  forget: `Usage: recforge forget --user <id> [--model-dir .recforge/models] [--database <url>] [--json]

Erases a user while no server holds the model folder's event store (with a server running, send it
DELETE /users/:id with the admin key): their feedback and creation records are deleted from the
event log, and the user is put on the erasure list, so every later answer treats the id as unknown
and the next generation (retrain or train) leaves their interactions out. The list holds a SHA-256
hash of the id, not the id.`,
  similar: `Usage: recforge similar --item <id> [--model <name>] [--k 10] [--model-dir .recforge/models] [--json]`,
  serve: `Usage: recforge serve [--model-dir .recforge/models] [--host 127.0.0.1] [--port 8080] [--ab modelA,modelB]
                    [--bandit thompson|epsilon-greedy|ucb1|linucb|lints|random|none] [--database <url>]

Serves the current generation of a model folder: GET /recommendations/:user, GET /similar/:item,
POST /feedback, POST /users, GET /models, GET /metrics, GET /health, the web page at /, and admin
routes POST /admin/retrain, GET /admin/retrain and POST /admin/reload (x-api-key header; set
RECFORGE_API_KEY). Feedback and new users are acknowledged once stored in the event log and
replayed after a restart. SIGTERM or SIGINT stop it gracefully (exit 0).

--bandit serves a @recforge/rl policy as model "bandit" (default thompson): it picks each list
from the default model's top 50 items and learns from feedback (reward 1 for feedback on an item
it showed, 0 for the rest of that list once the user asks again). --ab may name it as an arm.
${SERVER_HELP}`,
  explore: `Usage: recforge explore --data <spec> --model <name> [--out map.html] [--clusters 8] [--seed 42] [--set key=value ...] [--json]

Fits the model on the whole dataset, projects its item vectors to 2-D with PCA, clusters them
with k-means (in the full vector space), and writes one self-contained HTML file: the map
coloured by cluster with titles on hover, and each cluster's most typical titles (nearest its
centre). The model must have item vectors (als, bpr, mf, gmf, content, ...).`,
  models: `Usage: recforge models [--json]

Lists every registered model with its task, package and parameters (type, default, range).`,
  datasets: `Usage: recforge datasets [--json]

Lists the dataset specs --data accepts.`,
  demo: `Usage: recforge demo [--data builtin] [--protocol holdout-full] [--models pop,itemknn,ease] [--k 10] [--seed 42]
                   [--model-dir .recforge/models] [--host 127.0.0.1] [--port 8080] [--bandit thompson] [--no-serve] [--json]

The main job: loads the dataset (the built-in MovieLens latest-small by default), trains and
evaluates several models under one protocol with progress on stderr, prints a comparison table,
saves the models, and starts the HTTP API and web page (unless --no-serve), printing its URL.
With a server, the fast models (pop, itemknn, als) are served first and the others join as they
finish training in the background (GET /models lists them under "training" until then).
Admin routes need RECFORGE_API_KEY in the environment.
${CLEANING_HELP}
${SERVER_HELP}`,
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

function splitList(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean)
}

function parseIntFlag(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt
  const n = Number(v)
  if (!Number.isInteger(n)) throw new RecForgeError('INVALID_ARGUMENT', `--${name} must be an integer; got ${JSON.stringify(v)}`)
  return n
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === WORKER_COMMAND) return runTrainWorker(createRegistry())
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
      pseudonymize: { type: 'boolean' },
      user: { type: 'string' },
      item: { type: 'string' },
      ab: { type: 'string' },
      bandit: { type: 'string' },
      metric: { type: 'string' },
      search: { type: 'string' },
      trials: { type: 'string' },
      param: { type: 'string', multiple: true },
      'with-defaults': { type: 'boolean' },
      database: { type: 'string' },
      'bandit-state': { type: 'string' },
      ...SHARED_FLAG_OPTIONS,
      out: { type: 'string' },
      clusters: { type: 'string' },
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
          cleaning: cleaningFrom(values),
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
    case 'train': {
      if (!values.data || !values.models) throw new RecForgeError('INVALID_ARGUMENT', `--data and --models are required\n\n${HELP.train}`)
      const manifest = await runTrain(
        { data: values.data, models: splitList(values.models), set: parseSets(values.set), seed: parseIntFlag('seed', values.seed, 42), ...(values['model-dir'] ? { modelDir: values['model-dir'] } : {}), quiet: Boolean(values.quiet) || json, load: cleaningFrom(values), pseudonymize: Boolean(values.pseudonymize) },
        registry,
      )
      if (json) process.stdout.write(JSON.stringify(manifest) + '\n')
      return 0
    }
    case 'recommend':
    case 'similar': {
      const id = command === 'recommend' ? values.user : values.item
      if (!id) throw new RecForgeError('INVALID_ARGUMENT', `--${command === 'recommend' ? 'user' : 'item'} is required\n\n${HELP[command]}`)
      const { service, close, users } = await openService(registry, values['model-dir'], Boolean(values.quiet) || json)
      const k = parseIntFlag('k', values.k, 10)
      const answer = await Promise.resolve()
        .then(async () => (command === 'recommend' ? { ...service.recommend(await users.map(id), { k, ...(values.model ? { model: values.model } : {}) }), user: id } : service.similar(id, { k, ...(values.model ? { model: values.model } : {}) })))
        .finally(close)
      if (json) process.stdout.write(JSON.stringify(answer) + '\n')
      else {
        process.stdout.write(`${command === 'recommend' ? `Recommendations for user ${id}` : `Items similar to ${id}`} (${answer.model})\n`)
        answer.items.forEach((it, j) => {
          const because = 'because' in it && it.because ? `   because you liked ${it.because.title ?? it.because.id}` : ''
          process.stdout.write(`${String(j + 1).padStart(3)}. ${it.title ?? it.id}  ${formatNumber(it.score)}${because}\n`)
        })
      }
      return 0
    }
    case 'forget': {
      if (!values.user) throw new RecForgeError('INVALID_ARGUMENT', `--user is required\n\n${HELP.forget}`)
      const out = await runForget({ user: values.user, modelDir: values['model-dir'] ?? defaultModelDir(), ...(values.database ? { database: values.database } : {}) })
      if (json) process.stdout.write(JSON.stringify(out) + '\n')
      else process.stdout.write(`erased user ${out.user}: ${out.events} record(s) deleted from ${out.where}${out.first ? '' : ' (it had been erased before)'}; it leaves the answers at the next start and the training data at the next generation\n`)
      return 0
    }
    case 'serve': {
      const valueRange = valueRangeFrom(values)
      const serving = await runServe(
        {
          ...(values['model-dir'] ? { modelDir: values['model-dir'] } : {}),
          ...(values.database ? { database: values.database } : {}),
          ...(values.host ? { host: values.host } : {}),
          ...(values.port !== undefined ? { port: parseIntFlag('port', values.port, 8080) } : {}),
          ...(values.ab ? { ab: values.ab } : {}),
          ...(values.bandit ? { bandit: values.bandit } : {}),
          ...(values['bandit-state'] ? { banditState: values['bandit-state'] } : {}),
          security: securityFrom(values),
          ...(valueRange ? { valueRange } : {}),
          quiet: Boolean(values.quiet),
        },
        registry,
      )
      process.stdout.write(`Serving at ${serving.url}\n`)
      return untilStopped(serving.close, (m) => process.stderr.write(`recforge: ${m}\n`))
    }
    case 'compare': {
      if (!values.data || !values.models || !values.protocol) throw new RecForgeError('INVALID_ARGUMENT', `--data, --models and --protocol are required\n\n${HELP.compare}`)
      const out = await runCompare(
        { data: values.data, models: splitList(values.models), protocol: values.protocol, k: parseIntFlag('k', values.k, 10), seed: parseIntFlag('seed', values.seed, 42), ...(values.metric ? { metric: values.metric } : {}), quiet: Boolean(values.quiet) || json },
        registry,
      )
      process.stdout.write((json ? JSON.stringify(out) : formatCompare(out)) + '\n')
      return 0
    }
    case 'tune': {
      if (!values.data || !values.model || !values.protocol) throw new RecForgeError('INVALID_ARGUMENT', `--data, --model and --protocol are required\n\n${HELP.tune}`)
      const search = values.search ?? 'random'
      if (search !== 'random' && search !== 'grid') throw new RecForgeError('INVALID_ARGUMENT', `--search must be random or grid; got ${search}`)
      const out = await runTune(
        {
          data: values.data,
          model: values.model,
          protocol: values.protocol,
          k: parseIntFlag('k', values.k, 10),
          seed: parseIntFlag('seed', values.seed, 42),
          ...(values.metric ? { metric: values.metric } : {}),
          search,
          trials: parseIntFlag('trials', values.trials, 10),
          params: values.param ?? [],
          withDefaults: Boolean(values['with-defaults']),
          quiet: Boolean(values.quiet) || json,
        },
        registry,
      )
      if (json) process.stdout.write(JSON.stringify(out) + '\n')
      else {
        for (const t of out.trials) process.stdout.write(`${JSON.stringify(t.params)}  validation ${out.metric}=${formatNumber(t.validation)}\n`)
        process.stdout.write(`\nbest ${JSON.stringify(out.best.params)}: validation ${out.metric}=${formatNumber(out.best.validation)}, test ${out.metric}=${formatNumber(out.test.metrics[out.metric] ?? Number.NaN)}\n`)
        if (out.defaults) process.stdout.write(`defaults: validation ${out.metric}=${formatNumber(out.defaults.validation)}, test ${out.metric}=${formatNumber(out.defaults.test.metrics[out.metric] ?? Number.NaN)}\n`)
      }
      return 0
    }
    case 'explore': {
      if (!values.data || !values.model) throw new RecForgeError('INVALID_ARGUMENT', `--data and --model are required\n\n${HELP.explore}`)
      const out = await runExplore(
        {
          data: values.data,
          model: values.model,
          ...(values.out ? { out: values.out } : {}),
          ...(values.clusters !== undefined ? { clusters: parseIntFlag('clusters', values.clusters, 8) } : {}),
          seed: parseIntFlag('seed', values.seed, 42),
          set: parseSets(values.set),
          quiet: Boolean(values.quiet) || json,
        },
        registry,
      )
      if (json) process.stdout.write(JSON.stringify(out) + '\n')
      else {
        process.stdout.write(`${out.model} on ${out.dataset}: ${out.items} items, ${out.dimensions}-dimensional vectors, ${out.clusters.length} clusters; map written to ${out.file}\n`)
        out.clusters.forEach((c, j) => process.stdout.write(`  cluster ${j + 1} (${c.size} items): ${c.typical.slice(0, 5).join(' · ')}\n`))
      }
      return 0
    }
    case 'demo': {
      const { serving } = await runDemo(
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
          ...(values.bandit ? { bandit: values.bandit } : {}),
          ...(values['model-dir'] ? { modelDir: values['model-dir'] } : {}),
          ...(values.database ? { database: values.database } : {}),
          security: securityFrom(values),
          cleaning: cleaningFrom(values),
        },
        registry,
      )
      if (!serving) return 0
      return untilStopped(serving.close, (m) => process.stderr.write(`recforge: ${m}\n`))
    }
  }
  return 2
}

/** Runs the command line with `argv` (without node and the script) and sets the exit code. */
export function runMain(argv: string[]): Promise<void> {
  return main(argv).then(
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
}
