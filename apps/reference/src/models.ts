import { ModelRegistry, type ModelDefinition } from '@recforge/core'
import { baselinesModels } from '@recforge/baselines'
import { mfModels } from '@recforge/mf'
import { ncfModels } from '@recforge/ncf'
import { sequentialModels } from '@recforge/sequential'
import { ganModels } from '@recforge/gan'
import { contentModels } from '@recforge/content'
import { privacyModels } from '@recforge/privacy'
import { autoencoderModels } from '@recforge/autoencoders'
import { graphModels } from '@recforge/graph'

export { backendOf } from './backend'

/** Every model the reference app knows, by registry name. */
export function createRegistry(): ModelRegistry {
  const registry = new ModelRegistry()
  const lists: readonly (readonly ModelDefinition[])[] = [baselinesModels, mfModels, ncfModels, sequentialModels, ganModels, contentModels, autoencoderModels, graphModels, privacyModels]
  for (const list of lists) registry.register(...list)
  return registry
}
