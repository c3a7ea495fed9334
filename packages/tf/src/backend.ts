import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-core/dist/register_all_gradients'
import { RecForgeError } from '@recforge/core'
import { registerGatherGradient } from './gather'

/** The TensorFlow.js backends RecForge can run on, in order of preference. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow-node' | 'tensorflow-wasm' | 'tensorflow-cpu'

/** What {@link initBackend} chose and why. */
export interface BackendInfo {
  /** The reported name (also `backend` in `recforge evaluate --json`). */
  readonly name: BackendName
  /** The tfjs-core backend id (`tensorflow`, `wasm`, `cpu`). */
  readonly tfBackend: string
  /** Backends tried before this one, with the reason each was passed over. */
  readonly tried: readonly { name: BackendName; reason: string }[]
}

export interface InitBackendOptions {
  /**
   * Force one backend (also settable with the `RECFORGE_TF_BACKEND` environment variable:
   * `tensorflow-gpu`, `tensorflow-node`, `tensorflow-wasm`, `tensorflow-cpu`, or the short
   * forms `gpu`, `node`, `wasm`, `cpu`). A forced backend that cannot load is an error.
   * Defaults to `undefined` (automatic: gpu, node, wasm, cpu).
   */
  backend?: BackendName | 'gpu' | 'node' | 'wasm' | 'cpu'
  /** Where messages about the choice go. Defaults to `undefined` (silent). */
  log?: (message: string) => void
  /**
   * Where the wasm backend fetches its `.wasm` files (`tfjs-backend-wasm.wasm`, `-simd.wasm`,
   * `-threaded-simd.wasm`, in `@tensorflow/tfjs-backend-wasm/dist`): a folder URL ending in `/`
   * or a map from file name to URL, given to tfjs-backend-wasm's `setWasmPaths`. In a browser
   * bundle, serve those files and point here (`'/assets/tfjs/'`); otherwise the backend looks next
   * to the page's script. Defaults to `undefined` (the backend's own lookup, right under Node).
   */
  wasmPaths?: string | Record<string, string>
}

const ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow-node', 'tensorflow-wasm', 'tensorflow-cpu']
const SHORT: Record<string, BackendName> = { gpu: 'tensorflow-gpu', node: 'tensorflow-node', wasm: 'tensorflow-wasm', cpu: 'tensorflow-cpu' }

let current: Promise<BackendInfo> | undefined
let currentKey: string | undefined

function normalise(name: string): BackendName {
  const n = (SHORT[name] ?? name) as BackendName
  if (!ORDER.includes(n)) {
    throw new RecForgeError('INVALID_ARGUMENT', `unknown TensorFlow.js backend "${name}"; expected one of ${ORDER.join(', ')} (or gpu, node, wasm, cpu)`)
  }
  return n
}

/** Dynamic import that bundlers and tsc leave alone, for optional peers that may be absent. */
const importOptional = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier)

async function tryBackend(name: BackendName, opts: InitBackendOptions): Promise<string> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow-node': {
      const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node'
      try {
        await importOptional(pkg)
      } catch (e) {
        throw new RecForgeError('BACKEND_UNAVAILABLE', `${pkg} is not installed or failed to load (${(e as Error).message.split('\n')[0]}); add it to your app with \`npm i ${pkg}@4.22.0\``, { cause: e })
      }
      if (!(await tf.setBackend('tensorflow'))) throw new RecForgeError('BACKEND_UNAVAILABLE', `${pkg} loaded but its "tensorflow" backend did not initialise`)
      return 'tensorflow'
    }
    case 'tensorflow-wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm')
      if (opts.wasmPaths !== undefined) wasm.setWasmPaths(opts.wasmPaths)
      if (!(await tf.setBackend('wasm'))) throw new RecForgeError('BACKEND_UNAVAILABLE', 'the wasm backend did not initialise')
      return 'wasm'
    }
    case 'tensorflow-cpu': {
      await import('@tensorflow/tfjs-backend-cpu')
      if (!(await tf.setBackend('cpu'))) throw new RecForgeError('BACKEND_UNAVAILABLE', 'the cpu backend did not initialise')
      return 'cpu'
    }
  }
}

/**
 * Chooses the TensorFlow.js backend once per process: `@tensorflow/tfjs-node-gpu` if the user
 * installed it and it loads, else `@tensorflow/tfjs-node`, else wasm, else the pure-JS cpu
 * backend. `RECFORGE_TF_BACKEND` or `opts.backend` forces one. Registers the GatherV2 gradient
 * so embedding models train on every backend.
 *
 * @example
 * ```ts
 * const { name } = await initBackend() // 'tensorflow-wasm' on a machine without tfjs-node
 * ```
 * @throws RecForgeError BACKEND_UNAVAILABLE when a forced backend cannot load.
 */
export function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const forcedRaw = opts.backend ?? (typeof process !== 'undefined' ? process.env.RECFORGE_TF_BACKEND : undefined) ?? ''
  const key = forcedRaw || 'auto'
  if (current && currentKey === key) return current
  currentKey = key
  current = (async () => {
    const forced = forcedRaw ? normalise(forcedRaw) : undefined
    const tried: { name: BackendName; reason: string }[] = []
    for (const name of forced ? [forced] : ORDER) {
      try {
        const tfBackend = await tryBackend(name, opts)
        await tf.ready()
        registerGatherGradient()
        opts.log?.(`TensorFlow.js backend: ${name}${tried.length ? ` (passed over: ${tried.map((t) => t.name).join(', ')})` : ''}`)
        return { name, tfBackend, tried }
      } catch (e) {
        if (forced) {
          current = undefined
          currentKey = undefined
          throw e instanceof RecForgeError ? e : new RecForgeError('BACKEND_UNAVAILABLE', `backend ${name} failed: ${(e as Error).message}`, { cause: e })
        }
        tried.push({ name, reason: (e as Error).message })
      }
    }
    current = undefined
    currentKey = undefined
    throw new RecForgeError('BACKEND_UNAVAILABLE', `no TensorFlow.js backend could start: ${tried.map((t) => `${t.name}: ${t.reason}`).join('; ')}`)
  })()
  return current
}

/**
 * The backend already chosen in this process, or the automatic choice of {@link initBackend} when
 * none was made yet. Models call this before training, so a backend forced earlier (by the app
 * or a test) stays in place instead of being replaced by the automatic choice.
 *
 * @example
 * ```ts
 * await initBackend({ backend: 'cpu' })
 * (await ensureBackend()).name // 'tensorflow-cpu'
 * ```
 * @throws RecForgeError BACKEND_UNAVAILABLE when no backend can start.
 */
export function ensureBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  return current ?? initBackend(opts)
}

/** The tfjs-core module RecForge's models use (the same instance the backend was set on). */
export { tf }
