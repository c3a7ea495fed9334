import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { IdVocabulary, InteractionsBuilder, nnz, type ProgressEvent } from '@recforge/core'
import { loadDataset } from '../index'
import { IdAdder } from '../internal/ids'
import { isAscii } from '../lines'
import { tmpDir, writeFiles } from './helpers'

const dir = tmpDir()

describe('isAscii', () => {
  it('finds a byte of 0x80 or more at every position, length and alignment', () => {
    const buf = new Uint8Array(64).fill(0x41)
    for (let off = 0; off < 5; off++) {
      for (let len = 0; len <= 40; len++) {
        const view = buf.subarray(off, off + len)
        expect(isAscii(view)).toBe(true)
        for (let k = 0; k < len; k++) {
          view[k] = 0x80 | (k & 0x7f)
          expect(isAscii(view)).toBe(false)
          view[k] = 0x41
        }
      }
    }
  })
  it('agrees with a byte-by-byte check on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 50 }), fc.nat(3), (bytes, off) => {
        const padded = new Uint8Array(bytes.length + off)
        padded.set(bytes, off)
        expect(isAscii(padded.subarray(off))).toBe(bytes.every((b) => b < 0x80))
      }),
    )
  })
})

describe('IdAdder', () => {
  it('gives the same indices as the vocabulary for integer and other ids', () => {
    const ids = ['7', '007', '0', '00', '7', '4194303', '4194304', '12345678', '-1', '+4', 'a7', '', '1e3', '4194303', '0', '9999999', '007', ' 7', '3000']
    const plain = new IdVocabulary()
    const fast = new IdVocabulary()
    const adder = new IdAdder(fast)
    for (const id of ids) expect(adder.add(id)).toBe(plain.add(id))
    expect(fast.ids()).toEqual(plain.ids())
  })
  it('reuses ids already in a vocabulary it did not add', () => {
    const v = new IdVocabulary(['5', 'x', '12'])
    const adder = new IdAdder(v)
    expect([adder.add('12'), adder.add('5'), adder.add('6'), adder.add('12')]).toEqual([2, 0, 3, 2])
    expect(v.size).toBe(4)
  })
})

describe('InteractionsBuilder.reserve', () => {
  it('keeps what was pushed and never shrinks', () => {
    const b = new InteractionsBuilder({ timestamps: true, capacity: 16 })
    b.push('u', 'a', 2, 10)
    b.reserve(1000)
    b.reserve(3)
    b.reserve(Number.NaN)
    for (let k = 0; k < 1500; k++) b.push(`u${k % 7}`, `i${k}`, k, k)
    const data = b.build()
    expect(nnz(data)).toBe(1501)
    expect(data.values[0]).toBe(2)
    expect(data.timestamps![0]).toBe(10)
  })
})

describe('loading a file of many chunks', () => {
  it('reads every row of a 2.5 MB ASCII file (the builder is sized after the first chunk) and of a UTF-8 one', async () => {
    const rows = 120_000
    let text = 'userId,movieId,rating,timestamp\n'
    for (let k = 0; k < rows; k++) text += `${k % 997},${(k * 31) % 5003},${(k % 10) / 2 + 0.5},${1_000_000 + k}\n`
    const utf8 = text.replace(/\n1,/g, '\nÉlise,')
    writeFiles(dir, { 'big.csv': text, 'big-utf8.csv': utf8 })
    const events: ProgressEvent[] = []
    const reserve = vi.spyOn(InteractionsBuilder.prototype, 'reserve')
    const ds = await loadDataset(`csv:${path.join(dir, 'big.csv')}`, { onProgress: (e) => events.push(e) })
    expect(reserve).toHaveBeenCalledTimes(1)
    const asked = reserve.mock.calls[0]![0]
    expect(asked).toBeGreaterThanOrEqual(rows * 0.98)
    expect(asked).toBeLessThan(rows * 1.1)
    reserve.mockRestore()
    expect(text.length).toBeGreaterThan(2 << 20)
    expect(events.filter((e) => e.stage === 'read').length).toBeGreaterThan(2)
    const data = ds.interactions
    expect(nnz(data)).toBe(rows)
    expect(data.users.size).toBe(997)
    // row k lands in user k % 997; check a sample of rows against the text
    for (const k of [0, 1, 996, 997, 59_999, 119_999]) {
      const u = data.users.index(String(k % 997))!
      const i = data.items.index(String((k * 31) % 5003))!
      let found = -1
      for (let p = data.indptr[u]!; p < data.indptr[u + 1]!; p++) if (data.indices[p] === i && data.timestamps![p] === 1_000_000 + k) found = p
      expect(found).toBeGreaterThanOrEqual(0)
      expect(data.values[found]).toBe((k % 10) / 2 + 0.5)
    }
    const u8 = await loadDataset(`csv:${path.join(dir, 'big-utf8.csv')}`)
    expect(nnz(u8.interactions)).toBe(rows)
    expect(u8.interactions.users.index('Élise')).toBeDefined()
    expect(u8.interactions.users.index('1')).toBeUndefined()
  })
})
