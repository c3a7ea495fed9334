import { RecForgeError } from '@recforge/core'
import { PORT_GLOBAL, transferables, type KernelTable, type TaskMessage, type WorkerPort } from './kernel'

/**
 * Serves `kernels` from inside a worker started by a {@link KernelPool}: the one call a package's
 * worker entry (`src/internal/kernels.worker.ts`) makes. It answers each task with the kernel's
 * result (typed arrays transferred) or its error, and reports which kernels it serves once ready.
 *
 * @example
 * ```ts
 * // src/internal/kernels.worker.ts, bundled by `tooling/codegen` into kernels.worker.generated.ts
 * import { serveKernels } from '@recforge/compute'
 * import { kernels } from './kernels'
 * serveKernels(kernels)
 * ```
 * @throws RecForgeError BACKEND_UNAVAILABLE when called outside a worker started by a pool.
 */
export function serveKernels(kernels: KernelTable): void {
  const port = (globalThis as Record<string, unknown>)[PORT_GLOBAL] as WorkerPort | undefined
  if (port === undefined) {
    throw new RecForgeError('BACKEND_UNAVAILABLE', 'serveKernels runs inside a worker started by createPool; this thread has no pool to answer')
  }
  port.listen((m: TaskMessage) => {
    try {
      const kernel = kernels[m.kernel]
      if (kernel === undefined) throw new Error(`this worker serves ${Object.keys(kernels).join(', ')}; it has no kernel "${m.kernel}"`)
      const result = (kernel as (args: unknown) => unknown)(m.args)
      port.post({ id: m.id, ok: true, result }, transferables(result))
    } catch (e) {
      const err = e as { stack?: unknown; message?: unknown; code?: unknown }
      const message = typeof err?.stack === 'string' ? err.stack : String(err?.message ?? e)
      port.post({ id: m.id, ok: false, message, ...(e instanceof RecForgeError ? { code: e.code } : {}) }, [])
    }
  })
  port.post({ ready: true, kernels: Object.keys(kernels) }, [])
}
