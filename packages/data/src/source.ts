import { RecForgeError } from '@recforge/core'

/**
 * Bytes to read, wherever they live: a file (`fileSource` in `@recforge/data/node`), a `Blob` or
 * `File`, a `fetch` response, a Web `ReadableStream` or bytes in memory. `open` may be called more
 * than once (the delimited loader reads the first line to guess the separator) except for a
 * one-shot stream or response, which says so in its error.
 */
export interface ByteSource {
  /** Named in reports and error messages (a file path, a URL or a `File`'s name). */
  readonly name: string
  /** Starts a read: the total size when known, and the bytes in chunks of any length. */
  open(chunkSize: number): Promise<{ size?: number; chunks: AsyncIterable<Uint8Array> }>
}

/** What the web loaders read: a {@link ByteSource}, a `Blob`/`File`, a `Response`, a `ReadableStream` of bytes, or bytes. */
export type DataInput = ByteSource | Blob | Response | ReadableStream<Uint8Array> | Uint8Array | ArrayBuffer

/** Whether `x` is a {@link ByteSource} (has a name and an `open` method). */
export function isByteSource(x: unknown): x is ByteSource {
  return typeof x === 'object' && x !== null && typeof (x as ByteSource).open === 'function' && typeof (x as ByteSource).name === 'string'
}

async function* streamChunks(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  // a reader loop rather than `for await` over the stream: Chromium's ReadableStream is not async-iterable
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      if (value.length) yield value
    }
  } finally {
    // ends the transfer when the caller stops early (an abort, or the first line read)
    await reader.cancel().catch(() => {})
  }
}

async function* bytesChunks(bytes: Uint8Array, chunkSize: number): AsyncIterable<Uint8Array> {
  for (let p = 0; p < bytes.length; p += chunkSize) yield bytes.subarray(p, Math.min(bytes.length, p + chunkSize))
}

function oneShot(name: string, what: string, start: () => { size?: number; stream: ReadableStream<Uint8Array> | null }): ByteSource {
  let used = false
  return {
    name,
    async open() {
      if (used) throw new RecForgeError('IO_ERROR', `${name}: this ${what} was read already and cannot be read twice; pass a Blob, bytes or fetchSource(url), which can be reopened (or give the separator with \`sep\`, so the loader reads once)`)
      used = true
      const { size, stream } = start()
      return { ...(size !== undefined ? { size } : {}), chunks: stream ? streamChunks(stream) : bytesChunks(new Uint8Array(0), 1) }
    },
  }
}

function contentLength(res: Response): number | undefined {
  const n = Number(res.headers.get('content-length') ?? NaN)
  // a compressed transfer's length is not the length of the decoded bytes
  return Number.isFinite(n) && !res.headers.get('content-encoding') ? n : undefined
}

/**
 * Wraps what a browser (or Node) hands over as a {@link ByteSource}: a `File` or `Blob` (read
 * with `blob.stream()`), a `fetch` `Response` or a `ReadableStream` (each readable once), or
 * bytes. A `ByteSource` passes through.
 *
 * @example
 * ```ts
 * const ds = await loadDelimitedFrom(toByteSource(input.files[0]))
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for anything else.
 */
export function toByteSource(input: DataInput, name?: string): ByteSource {
  if (isByteSource(input)) return input
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    const n = name ?? (typeof (input as File).name === 'string' && (input as File).name ? (input as File).name : 'blob')
    return { name: n, open: async () => ({ size: input.size, chunks: streamChunks(input.stream()) }) }
  }
  if (typeof Response !== 'undefined' && input instanceof Response) {
    const n = name ?? (input.url || 'response')
    const size = contentLength(input)
    return oneShot(n, 'response', () => ({ ...(size !== undefined ? { size } : {}), stream: input.body }))
  }
  if (typeof ReadableStream !== 'undefined' && input instanceof ReadableStream) return oneShot(name ?? 'stream', 'stream', () => ({ stream: input }))
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    const bytes = input instanceof Uint8Array ? input : new Uint8Array(input)
    return { name: name ?? 'bytes', open: async (chunkSize) => ({ size: bytes.length, chunks: bytesChunks(bytes, chunkSize) }) }
  }
  throw new RecForgeError('INVALID_ARGUMENT', `cannot read ${Object.prototype.toString.call(input)}; expected a Blob or File, a Response, a ReadableStream of bytes, a Uint8Array, an ArrayBuffer or a ByteSource`)
}

/** Options of {@link fetchSource}. */
export interface FetchSourceOptions {
  /** Passed to `fetch` (headers, credentials, signal). Defaults to none. */
  init?: RequestInit
  /** The `fetch` to call. Defaults to `globalThis.fetch`. */
  fetch?: typeof fetch
}

/**
 * A {@link ByteSource} that fetches `url` each time it is opened and streams the body, so a
 * loader never holds a whole file as one string. Relative URLs resolve against the page.
 *
 * @example
 * ```ts
 * const ds = await loadMovieLensLatestFrom({ ratings: fetchSource('/data/ratings.csv'), movies: fetchSource('/data/movies.csv') })
 * ```
 * @throws RecForgeError (from `open`) IO_ERROR when the request fails or answers other than 2xx.
 */
export function fetchSource(url: string | URL, opts: FetchSourceOptions = {}): ByteSource {
  const name = String(url)
  return {
    name,
    async open() {
      const f = opts.fetch ?? globalThis.fetch
      if (typeof f !== 'function') throw new RecForgeError('BACKEND_UNAVAILABLE', `cannot fetch ${name}: this runtime has no fetch; pass a fetch implementation as { fetch }`)
      let res: Response
      try {
        res = await f(url, opts.init)
      } catch (e) {
        throw new RecForgeError('IO_ERROR', `cannot fetch ${name}: ${(e as Error).message}`, { cause: e })
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => {})
        throw new RecForgeError('IO_ERROR', `cannot fetch ${name}: the server answered ${res.status} ${res.statusText}; expected 200`)
      }
      const size = contentLength(res)
      return { ...(size !== undefined ? { size } : {}), chunks: res.body ? streamChunks(res.body) : bytesChunks(new Uint8Array(0), 1) }
    },
  }
}

/** The lower-case extension of a file name or URL path (`.csv`), or `''`. */
export function extensionOf(name: string): string {
  const clean = name.replace(/[?#].*$/, '')
  const slash = Math.max(clean.lastIndexOf('/'), clean.lastIndexOf('\\'))
  const base = clean.slice(slash + 1)
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(dot).toLowerCase() : ''
}
