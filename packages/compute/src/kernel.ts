/**
 * The calling convention of kernels and the messages between a {@link KernelPool} and its workers.
 *
 * A kernel is a plain function of one argument object, `kernel(args) => result`, imported as an
 * ordinary module by both the calling thread and the worker entry. Typed arrays inside `args`
 * that sit on a `SharedArrayBuffer` (or a shared `WebAssembly.Memory`) are shared with the worker;
 * any other value is copied to it. A kernel writes its output either into shared arrays of its
 * arguments or into its return value, whose typed arrays are transferred back, not copied.
 */

/** A kernel: one argument object in, one result (or nothing) out. */
export type Kernel<Args = never, Result = unknown> = (args: Args) => Result

/** Kernels by name: the table a worker entry serves and a pool runs. */
export type KernelTable = Readonly<Record<string, Kernel>>

/** The argument object of kernel `K` of table `T`. */
export type KernelArgs<T extends KernelTable, K extends keyof T> = T[K] extends (args: infer A) => unknown ? A : never

/** The result of kernel `K` of table `T`. */
export type KernelResult<T extends KernelTable, K extends keyof T> = T[K] extends (args: never) => infer R ? R : never

/** A worker script: the bundled worker entry, generated at build time (see `tooling/codegen`). */
export interface WorkerScript {
  /** Where it came from (package and entry file), for error messages. */
  readonly name: string
  /** The script itself: an IIFE that calls {@link serveKernels} once its modules are loaded. */
  readonly code: string
}

/** @internal The pool's request: run `kernel` on `args`, answer with `id`. */
export interface TaskMessage {
  readonly id: number
  readonly kernel: string
  readonly args: unknown
}

/** @internal A worker's messages: ready (with the kernels it serves), a result, or a failure. */
export type WorkerMessage =
  | { readonly ready: true; readonly kernels: readonly string[] }
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly code?: string }

/** @internal What the start-up prelude gives the worker: send a message, receive messages. */
export interface WorkerPort {
  post(message: WorkerMessage, transfer: ArrayBuffer[]): void
  listen(onMessage: (message: TaskMessage) => void): void
}

/** @internal The global the pool's start-up prelude sets in every worker before the script runs. */
export const PORT_GLOBAL = '__recforgeWorkerPort'

/** The non-shared buffers of a kernel result (itself or its top-level values), to transfer instead of copy. */
export function transferables(result: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>()
  const add = (v: unknown) => {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && v.byteLength > 0) out.add(v.buffer)
  }
  if (ArrayBuffer.isView(result)) add(result)
  else if (result !== null && typeof result === 'object') for (const v of Object.values(result)) add(v)
  return [...out]
}
