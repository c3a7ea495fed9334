import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import { RecForgeError, type ModelArtifacts } from '@recforge/core'

/** A TensorFlow.js IOHandler whose `save` and `load` are both present. */
export type DirectoryHandler = Required<Pick<tf.io.IOHandler, 'save' | 'load'>>

/** The `format` written into `model.json` by {@link directoryHandler}. */
export const DIRECTORY_FORMAT = 'recforge-tfjs'
/** The layout version of model directories this build writes and reads. */
export const DIRECTORY_VERSION = 1

async function writeSynced(file: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(file, 'w')
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p)
    return true
  } catch {
    return false
  }
}

/**
 * A TensorFlow.js IOHandler that saves to and loads from a directory holding `model.json` and
 * `weights.bin`, the layout of `tf.io` file handlers. Saving is atomic: both files go into a
 * temporary sibling directory, which then replaces the target by rename, so a crash leaves the
 * old model or the new one, never a mix. `model.json` carries `format` and a `formatVersion`.
 *
 * @example
 * ```ts
 * await directoryHandler('./model').save(artifacts)
 * const again = await directoryHandler('./model').load()
 * ```
 * @throws RecForgeError IO_ERROR when the directory cannot be written or read; PARSE_ERROR or UNSUPPORTED_VERSION for a foreign or newer directory.
 */
export function directoryHandler(dir: string): DirectoryHandler {
  const target = path.resolve(dir)
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const parent = path.dirname(target)
      const tmp = path.join(parent, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
      const old = `${tmp}.old`
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.concatenateArrayBuffers(Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData])
      const json: tf.io.ModelJSON & { formatVersion: number } = {
        format: DIRECTORY_FORMAT,
        formatVersion: DIRECTORY_VERSION,
        generatedBy: artifacts.generatedBy ?? '@recforge/tf',
        convertedBy: null,
        modelTopology: artifacts.modelTopology ?? {},
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      }
      try {
        await mkdir(tmp, { recursive: true })
        await writeSynced(path.join(tmp, 'weights.bin'), new Uint8Array(weightData))
        await writeSynced(path.join(tmp, 'model.json'), JSON.stringify(json))
        // rename cannot replace a non-empty directory: move the old one aside first, then drop it
        const hadOld = await exists(target)
        if (hadOld) await rename(target, old)
        await rename(tmp, target)
        if (hadOld) await rm(old, { recursive: true, force: true })
      } catch (e) {
        await rm(tmp, { recursive: true, force: true }).catch(() => {})
        if (!(await exists(target)) && (await exists(old))) await rename(old, target).catch(() => {})
        throw new RecForgeError('IO_ERROR', `could not save the model to ${target}: ${(e as Error).message}`, { cause: e })
      }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) }
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      let text: string
      try {
        text = await readFile(path.join(target, 'model.json'), 'utf8')
      } catch (e) {
        throw new RecForgeError('IO_ERROR', `could not read ${path.join(target, 'model.json')}: ${(e as Error).message}`, { cause: e })
      }
      let json: tf.io.ModelJSON & { formatVersion?: number }
      try {
        json = JSON.parse(text) as typeof json
      } catch (e) {
        throw new RecForgeError('PARSE_ERROR', `${path.join(target, 'model.json')} is not valid JSON: ${(e as Error).message}`, { cause: e })
      }
      if (json.format !== DIRECTORY_FORMAT) throw new RecForgeError('PARSE_ERROR', `${target} holds format ${JSON.stringify(json.format)}; expected "${DIRECTORY_FORMAT}"`)
      if (typeof json.formatVersion !== 'number' || json.formatVersion > DIRECTORY_VERSION) {
        throw new RecForgeError('UNSUPPORTED_VERSION', `${target} has directory format version ${json.formatVersion}; this build reads versions 1..${DIRECTORY_VERSION}`)
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = []
        const buffers: ArrayBuffer[] = []
        for (const group of manifest) {
          specs.push(...group.weights)
          for (const p of group.paths) {
            const file = path.join(target, p)
            let b: Buffer
            try {
              b = await readFile(file)
            } catch (e) {
              throw new RecForgeError('IO_ERROR', `could not read ${file}: ${(e as Error).message}`, { cause: e })
            }
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer)
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)]
      })
    },
  }
}

/**
 * Saves RecForge {@link ModelArtifacts} (Float32Array and Int32Array tensors) as a TensorFlow.js
 * model directory through {@link directoryHandler}; the model name, version, config and metadata
 * go into `userDefinedMetadata.recforge`.
 *
 * @example
 * ```ts
 * await saveArtifactsDir('./neumf', await model.save())
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for tensor types tfjs cannot store (Float64Array, Uint8Array); IO_ERROR on write failure.
 */
export async function saveArtifactsDir(dir: string, artifacts: ModelArtifacts): Promise<void> {
  // encoded by hand (the tf.io layout: specs plus one buffer) so no backend is needed to save
  const specs: tf.io.WeightsManifestEntry[] = []
  let bytes = 0
  for (const [name, t] of Object.entries(artifacts.tensors)) {
    if (!(t instanceof Float32Array) && !(t instanceof Int32Array)) {
      throw new RecForgeError('INVALID_ARGUMENT', `tensor "${name}" of model "${artifacts.model}" is a ${t.constructor.name}; a TensorFlow.js directory stores Float32Array and Int32Array only`)
    }
    specs.push({ name, shape: [t.length], dtype: t instanceof Float32Array ? 'float32' : 'int32' })
    bytes += t.byteLength
  }
  const data = new Uint8Array(bytes)
  let o = 0
  for (const t of Object.values(artifacts.tensors)) {
    data.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), o)
    o += t.byteLength
  }
  await directoryHandler(dir).save({
    modelTopology: {},
    weightSpecs: specs,
    weightData: data.buffer,
    userDefinedMetadata: { recforge: { model: artifacts.model, formatVersion: artifacts.formatVersion, config: artifacts.config, meta: artifacts.meta ?? {} } },
  })
}

/**
 * Loads artifacts saved by {@link saveArtifactsDir}; pass them to the model's static `load`.
 *
 * @example
 * ```ts
 * const model = await NeuMF.load(await loadArtifactsDir('./neumf'))
 * ```
 * @throws RecForgeError IO_ERROR, PARSE_ERROR or UNSUPPORTED_VERSION (see {@link directoryHandler}).
 */
export async function loadArtifactsDir(dir: string): Promise<ModelArtifacts> {
  const a = await directoryHandler(dir).load()
  const rf = (a.userDefinedMetadata as { recforge?: { model: string; formatVersion: number; config: Record<string, unknown>; meta: Record<string, unknown> } } | undefined)?.recforge
  if (!rf || !a.weightSpecs || a.weightData === undefined) throw new RecForgeError('PARSE_ERROR', `${dir} is a TensorFlow.js directory without RecForge model metadata`)
  const buf = tf.io.concatenateArrayBuffers(Array.isArray(a.weightData) ? a.weightData : [a.weightData])
  const tensors: Record<string, Float32Array | Int32Array> = {}
  let o = 0
  for (const spec of a.weightSpecs) {
    const n = spec.shape.reduce((x, y) => x * y, 1)
    if ((spec.dtype !== 'float32' && spec.dtype !== 'int32') || spec.quantization || o + n * 4 > buf.byteLength) {
      throw new RecForgeError('PARSE_ERROR', `${dir}: weight "${spec.name}" (${spec.dtype}, ${n} values${spec.quantization ? ', quantized' : ''}) cannot be read; expected unquantized float32 or int32 within ${buf.byteLength} bytes`)
    }
    const copy = buf.slice(o, o + n * 4)
    tensors[spec.name] = spec.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy)
    o += n * 4
  }
  return { model: rf.model, formatVersion: rf.formatVersion, config: rf.config, meta: rf.meta, tensors }
}
