import { RecForgeError, type RecForgeErrorCode } from '@recforge/core'

/**
 * A RecForgeError about a request: the HTTP status it answers with and the field at fault (a zod
 * issue path such as `body.events.1.value`), both put in the error body.
 */
export class RequestError extends RecForgeError {
  readonly status: number
  readonly field?: string
  /** More of the answer body, e.g. `{ running: '<id>' }` for a retrain refused while another runs. */
  readonly details?: Readonly<Record<string, unknown>>

  constructor(code: RecForgeErrorCode, message: string, opts: { status: number; field?: string; details?: Record<string, unknown>; cause?: unknown }) {
    super(code, message, opts.cause === undefined ? {} : { cause: opts.cause })
    this.status = opts.status
    if (opts.field !== undefined) this.field = opts.field
    if (opts.details !== undefined) this.details = opts.details
  }
}
