/**
 * The binary files both sides of a comparison read (common.py reads the same layout): a CSR
 * matrix `<name>` is `<name>.json` ({ rows, cols, nnz }) beside `<name>.indptr.i32`,
 * `<name>.indices.i32` and `<name>.values.f32`; a dense float32 matrix is `<name>.json`
 * ({ rows, cols }) beside `<name>.f32`. Little-endian, no headers.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { rangeVocabulary, type Interactions } from '@recforge/core'

interface Shape {
  rows: number
  cols: number
}

function bytes(a: Int32Array | Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
}

function view<T extends Int32Array | Float32Array>(file: string, make: (b: ArrayBuffer) => T): T {
  const buf = readFileSync(file)
  // copy into a fresh, aligned buffer
  const own = new ArrayBuffer(buf.byteLength)
  new Uint8Array(own).set(buf)
  return make(own)
}

/** Writes the CSR of `data` (rows = users, cols = items) under `name`. */
export function writeCsr(dir: string, name: string, data: Interactions): void {
  const rows = data.users.size
  const n = data.indptr[rows]!
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ rows, cols: data.items.size, nnz: n }))
  writeFileSync(path.join(dir, `${name}.indptr.i32`), bytes(data.indptr.subarray(0, rows + 1)))
  writeFileSync(path.join(dir, `${name}.indices.i32`), bytes(data.indices.subarray(0, n)))
  writeFileSync(path.join(dir, `${name}.values.f32`), bytes(data.values.subarray(0, n)))
}

/** Reads a CSR written by {@link writeCsr} as interactions over the vocabularies `0..rows-1`, `0..cols-1`. */
export function readCsr(dir: string, name: string): Interactions {
  const meta = JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8')) as Shape
  return {
    users: rangeVocabulary(meta.rows),
    items: rangeVocabulary(meta.cols),
    indptr: view(path.join(dir, `${name}.indptr.i32`), (b) => new Int32Array(b)),
    indices: view(path.join(dir, `${name}.indices.i32`), (b) => new Int32Array(b)),
    values: view(path.join(dir, `${name}.values.f32`), (b) => new Float32Array(b)),
  }
}

/** Writes a row-major `rows × cols` float32 matrix under `name`. */
export function writeDense(dir: string, name: string, data: Float32Array, cols: number): void {
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ rows: data.length / cols, cols }))
  writeFileSync(path.join(dir, `${name}.f32`), bytes(data))
}

/** Reads a matrix written by {@link writeDense}. */
export function readDense(dir: string, name: string): { data: Float32Array; rows: number; cols: number } {
  const meta = JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8')) as Shape
  return { data: view(path.join(dir, `${name}.f32`), (b) => new Float32Array(b)), ...meta }
}
