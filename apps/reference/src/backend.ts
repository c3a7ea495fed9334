import type { ModelDefinition } from '@recforge/core'

/** Packages whose models run on TensorFlow.js; their `backend` is the chosen tfjs backend. */
const TENSORFLOW_PACKAGES = new Set(['@recforge/ncf', '@recforge/sequential', '@recforge/gan', '@recforge/content'])
/** Models of other packages whose large products run on TensorFlow.js (`autorec`, beside them, is TypeScript only). */
const TENSORFLOW_MODELS = new Set(['multvae', 'multdae'])

/** Where a model computes: `typescript` for pure typed-array models, else the TensorFlow.js backend name. */
export async function backendOf(def: ModelDefinition): Promise<string> {
  if (!TENSORFLOW_PACKAGES.has(def.package) && !TENSORFLOW_MODELS.has(def.name)) return 'typescript'
  const { initBackend } = await import('@recforge/tf')
  return (await initBackend()).name
}
