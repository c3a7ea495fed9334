import { ModelRegistry, type ModelDefinition } from '@recforge/core'
import { baselinesModels } from '@recforge/baselines'
import { mfModels } from '@recforge/mf'
import { ncfModels } from '@recforge/ncf'
import { sequentialModels } from '@recforge/sequential'
import { ganModels } from '@recforge/gan'
import { contentModels } from '@recforge/content'

/** Packages whose models run on TensorFlow.js; their `backend` is the chosen tfjs backend. */
const TENSORFLOW_PACKAGES = new Set(['@recforge/ncf', '@recforge/sequential', '@recforge/gan', '@recforge/content'])

/** Every model the reference app knows, by registry name. */
export function createRegistry(): ModelRegistry {
  const registry = new ModelRegistry()
  const lists: readonly (readonly ModelDefinition[])[] = [baselinesModels, mfModels, ncfModels, sequentialModels, ganModels, contentModels]
  for (const list of lists) registry.register(...list)
  return registry
}

/** Where a model computes: `typescript` for pure typed-array models, else the TensorFlow.js backend name. */
export async function backendOf(def: ModelDefinition): Promise<string> {
  if (!TENSORFLOW_PACKAGES.has(def.package)) return 'typescript'
  const { initBackend } = await import('@recforge/tf')
  return (await initBackend()).name
}
