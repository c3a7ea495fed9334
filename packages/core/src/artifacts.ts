import { RecForgeError } from './errors'
import type { ModelArtifacts } from './types'

const MAGIC = 0x47524652 // "RFRG" little-endian
const CONTAINER_VERSION = 1
type DType = 'float32' | 'float64' | 'int32' | 'uint8'
/** A typed array a model file can hold. */
export type ArtifactTensor = Float32Array | Float64Array | Int32Array | Uint8Array
type Tensor = ArtifactTensor

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

/** CRC-32 (IEEE) of a byte range. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function dtypeOf(a: Tensor): DType {
  if (a instanceof Float32Array) return 'float32'
  if (a instanceof Float64Array) return 'float64'
  if (a instanceof Int32Array) return 'int32'
  return 'uint8'
}

/**
 * Serialises artifacts to one checksummed binary blob:
 * `magic u32 | container version u32 | header length u32 | header JSON | pad to 8 | tensors (8-aligned) | crc32 u32`.
 *
 * @example
 * ```ts
 * const bytes = encodeArtifacts(await model.save())
 * const again = decodeArtifacts(bytes)
 * ```
 */
export function encodeArtifacts(a: ModelArtifacts): Uint8Array {
  const entries = Object.entries(a.tensors)
  let offset = 0
  const layout = entries.map(([name, t]) => {
    const e = { name, dtype: dtypeOf(t), length: t.length, offset }
    offset += Math.ceil(t.byteLength / 8) * 8
    return e
  })
  const header = new TextEncoder().encode(
    JSON.stringify({ model: a.model, formatVersion: a.formatVersion, config: a.config, meta: a.meta ?? {}, tensors: layout }),
  )
  const headStart = 12
  const dataStart = Math.ceil((headStart + header.length) / 8) * 8
  const total = dataStart + offset + 4
  const out = new Uint8Array(total)
  const dv = new DataView(out.buffer)
  dv.setUint32(0, MAGIC, true)
  dv.setUint32(4, CONTAINER_VERSION, true)
  dv.setUint32(8, header.length, true)
  out.set(header, headStart)
  for (let j = 0; j < entries.length; j++) {
    const t = entries[j]![1]
    out.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), dataStart + layout[j]!.offset)
  }
  dv.setUint32(total - 4, crc32(out, 0, total - 4), true)
  return out
}

/** Reads bytes written by {@link encodeArtifacts}; checks magic, version and checksum. */
export function decodeArtifacts(bytes: Uint8Array, source = 'model file'): ModelArtifacts {
  if (bytes.length < 16) throw new RecForgeError('PARSE_ERROR', `${source} is ${bytes.length} bytes; a RecForge model file is at least 16 bytes`)
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (dv.getUint32(0, true) !== MAGIC) throw new RecForgeError('PARSE_ERROR', `${source} is not a RecForge model file (bad magic number)`)
  const ver = dv.getUint32(4, true)
  if (ver !== CONTAINER_VERSION) throw new RecForgeError('UNSUPPORTED_VERSION', `${source} has container version ${ver}; this build reads version ${CONTAINER_VERSION}`)
  const stored = dv.getUint32(bytes.length - 4, true)
  const actual = crc32(bytes, 0, bytes.length - 4)
  if (stored !== actual) throw new RecForgeError('CHECKSUM_MISMATCH', `${source} is corrupt: checksum ${actual.toString(16)} does not match stored ${stored.toString(16)}`)
  const hlen = dv.getUint32(8, true)
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen))) as {
    model: string
    formatVersion: number
    config: Record<string, unknown>
    meta: Record<string, unknown>
    tensors: { name: string; dtype: DType; length: number; offset: number }[]
  }
  const dataStart = Math.ceil((12 + hlen) / 8) * 8
  const tensors: Record<string, Tensor> = {}
  for (const t of header.tensors) {
    const start = dataStart + t.offset
    const C = t.dtype === 'float32' ? Float32Array : t.dtype === 'float64' ? Float64Array : t.dtype === 'int32' ? Int32Array : Uint8Array
    // Uint8Array's slice, not the argument's own: a Node Buffer's slice is a view into a shared pool
    const copy = Uint8Array.prototype.slice.call(bytes, start, start + t.length * C.BYTES_PER_ELEMENT)
    tensors[t.name] = new C(copy.buffer, 0, t.length)
  }
  return { model: header.model, formatVersion: header.formatVersion, config: header.config, meta: header.meta, tensors }
}

/** Fetches a named tensor from artifacts, checking its type; throws PARSE_ERROR when missing. */
export function requireTensor<T extends Tensor>(a: ModelArtifacts, name: string, type: new (n: number) => T): T {
  const t = a.tensors[name]
  if (!(t instanceof type)) throw new RecForgeError('PARSE_ERROR', `model "${a.model}" artifacts lack tensor "${name}" of type ${type.name}`)
  return t
}

/** Throws unless artifacts belong to `model` and have a format version this code reads. */
export function checkArtifacts(a: ModelArtifacts, model: string, maxVersion: number): void {
  if (a.model !== model) throw new RecForgeError('INVALID_ARGUMENT', `artifacts are for model "${a.model}"; expected "${model}"`)
  if (a.formatVersion > maxVersion || a.formatVersion < 1) {
    throw new RecForgeError('UNSUPPORTED_VERSION', `model "${model}" format version ${a.formatVersion}; this build reads versions 1..${maxVersion}`)
  }
}

/**
 * Another model's artifacts, namespaced for a composite model to save beside its own state
 * (a hybrid's CF model, say): tensors under `<prefix>.<name>`, the rest under `meta[prefix]`.
 * {@link unnestArtifacts} gives them back.
 *
 * @example
 * ```ts
 * const cf = nestArtifacts('cf', await this.cf.save())
 * return { meta: { ...cf.meta }, tensors: { ...mine, ...cf.tensors } }
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a prefix that is empty or contains a dot.
 */
export function nestArtifacts(prefix: string, child: ModelArtifacts): { meta: Record<string, unknown>; tensors: Record<string, Tensor> } {
  if (prefix === '' || prefix.includes('.')) throw new RecForgeError('INVALID_ARGUMENT', `a nested-artifacts prefix must be a non-empty name without dots; got ${JSON.stringify(prefix)}`)
  const tensors: Record<string, Tensor> = {}
  for (const [name, t] of Object.entries(child.tensors)) tensors[`${prefix}.${name}`] = t
  return { meta: { [prefix]: { model: child.model, formatVersion: child.formatVersion, config: child.config, meta: child.meta ?? {} } }, tensors }
}

/**
 * The artifacts {@link nestArtifacts} stored under `prefix` in `parent`.
 *
 * @throws RecForgeError PARSE_ERROR when `parent` holds no nested model under `prefix`.
 */
export function unnestArtifacts(parent: ModelArtifacts, prefix: string): ModelArtifacts {
  const head = (parent.meta ?? {})[prefix] as { model?: unknown; formatVersion?: unknown; config?: unknown; meta?: unknown } | undefined
  if (!head || typeof head.model !== 'string' || typeof head.formatVersion !== 'number' || typeof head.config !== 'object' || head.config === null) {
    throw new RecForgeError('PARSE_ERROR', `model "${parent.model}" artifacts hold no nested model under "${prefix}"`)
  }
  const tensors: Record<string, Tensor> = {}
  const start = `${prefix}.`
  for (const [name, t] of Object.entries(parent.tensors)) if (name.startsWith(start)) tensors[name.slice(start.length)] = t
  return {
    model: head.model,
    formatVersion: head.formatVersion,
    config: head.config as Record<string, unknown>,
    meta: (head.meta ?? {}) as Record<string, unknown>,
    tensors,
  }
}
