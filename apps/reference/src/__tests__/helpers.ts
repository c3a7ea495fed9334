import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ModelRegistry, type Interactions } from '@recforge/core'
import { baselinesModels } from '@recforge/baselines'
import { generateSynthetic } from '@recforge/data'
import { writeGeneration, type GenerationManifest } from '../generations'
import type { ServedModel } from '../service'

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const cliArgs = ['--conditions=@recforge/source', '--import', 'tsx', path.join(appDir, 'src', 'cli.ts')]

/** Runs the CLI from source (tsx, source export condition) and collects its output. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliArgs, ...args], {
      cwd: appDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

/** A `recforge serve` process started from source. */
export interface ServeProcess {
  url: string
  child: ChildProcess
  /** Everything it wrote to stderr so far. */
  stderr: () => string
  /** Resolves when it exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts `recforge serve --port 0 <args>` and resolves once it prints its URL. */
export function spawnServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliArgs, 'serve', '--port', '0', ...args], { cwd: appDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })))
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /Serving at (\S+)/.exec(out)
      if (m) resolve({ url: m[1]!, child, stderr: () => err, exited })
    })
    void exited.then(({ code, signal }) => reject(new Error(`serve exited (${signal ?? code}) before listening:\n${err}`)))
  })
}

/** A registry of the baseline models only: enough for serving tests, and quick to import. */
export function testRegistry(): ModelRegistry {
  return new ModelRegistry().register(...baselinesModels)
}

/** Small synthetic interactions (300 users, 200 items). */
export function smallData(seed = 1): Interactions {
  return generateSynthetic({ users: 300, items: 200, interactions: 6000, seed }).interactions
}

/** Fits baseline models on `data`. */
export async function fitModels(data: Interactions, names: readonly string[], seed = 1): Promise<ServedModel[]> {
  const registry = testRegistry()
  const out: ServedModel[] = []
  for (const name of names) {
    const { model, params } = registry.create(name)
    await model.fit(data, { seed })
    out.push({ name, model, params, trainedAt: new Date().toISOString() })
  }
  return out
}

/** Writes a generation of `names` fitted on `data` into a model folder. */
export async function writeTestGeneration(dir: string, data: Interactions, names: readonly string[] = ['pop', 'itemknn']): Promise<GenerationManifest> {
  return writeGeneration(dir, { source: { data: 'synthetic:small', dataset: 'synthetic', protocol: 'full', seed: 1 }, data, eventsThrough: 0, models: await fitModels(data, names) })
}

/** POSTs JSON and returns the status and body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  return { status: r.status, body: (await r.json()) as Record<string, unknown> }
}

/** GETs JSON. */
export async function getJson<T = Record<string, unknown>>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await fetch(url, { headers })
  if (!r.ok) throw new Error(`GET ${url}: ${r.status} ${await r.text()}`)
  return (await r.json()) as T
}
