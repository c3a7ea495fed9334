import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { RecForgeError, type ModelRegistry } from '@recforge/core'
import { loadArtifactsFile, saveArtifactsFile, writeFileAtomic } from '@recforge/core/node'
import type { ServedModel } from './service'

/** What a model folder holds: which dataset the models were trained on, and each model's file. */
export interface ModelManifest {
  /** The `--data` spec the models were trained from. */
  data: string
  /** The dataset's name (e.g. `movielens-latest`). */
  dataset: string
  /** `full` when trained on all of the data, else the protocol whose first training split was used. */
  protocol: string
  seed: number
  models: { name: string; file: string; trainedAt: string; metrics?: Record<string, number> }[]
}

/** The default model folder: `.recforge/models` under the working directory, or `RECFORGE_MODEL_DIR`. */
export function defaultModelDir(): string {
  return process.env.RECFORGE_MODEL_DIR ?? path.resolve('.recforge', 'models')
}

/** Saves each model (atomic, checksummed) and then the manifest, so a crash never leaves a manifest naming a missing file. */
export async function saveModels(dir: string, source: Omit<ModelManifest, 'models'>, models: readonly ServedModel[]): Promise<ModelManifest> {
  const manifest: ModelManifest = { ...source, models: [] }
  for (const m of models) {
    const file = `${m.name}.rfm`
    await saveArtifactsFile(path.join(dir, file), await m.model.save())
    manifest.models.push({ name: m.name, file, trainedAt: m.trainedAt, ...(m.metrics ? { metrics: { ...m.metrics } } : {}) })
  }
  await writeFileAtomic(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
  return manifest
}

/** Reads the manifest of a model folder, or undefined when there is none. */
export async function readManifest(dir: string): Promise<ModelManifest | undefined> {
  let text: string
  try {
    text = await readFile(path.join(dir, 'manifest.json'), 'utf8')
  } catch {
    return undefined
  }
  try {
    const m = JSON.parse(text) as ModelManifest
    if (typeof m.data !== 'string' || typeof m.protocol !== 'string' || !Array.isArray(m.models)) throw new Error('missing "data", "protocol" or "models"')
    return m
  } catch (e) {
    throw new RecForgeError('PARSE_ERROR', `${path.join(dir, 'manifest.json')}: not a model manifest (${(e as Error).message})`, { cause: e })
  }
}

/** Loads every model of a folder through the registry's `load`. */
export async function loadModels(dir: string, registry: ModelRegistry): Promise<{ manifest: ModelManifest; models: ServedModel[] }> {
  const manifest = await readManifest(dir)
  if (!manifest) throw new RecForgeError('IO_ERROR', `no saved models in ${dir} (manifest.json missing); run \`recforge train\` or \`recforge demo\` first`)
  const models: ServedModel[] = []
  for (const entry of manifest.models) {
    const artifacts = await loadArtifactsFile(path.join(dir, entry.file))
    const model = await registry.get(artifacts.model).load(artifacts)
    models.push({ name: entry.name, model, trainedAt: entry.trainedAt, ...(entry.metrics ? { metrics: entry.metrics } : {}) })
  }
  return { manifest, models }
}
