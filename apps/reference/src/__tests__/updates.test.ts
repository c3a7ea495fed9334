import { describe, expect, it } from 'vitest'
import { ALS } from '@recforge/mf'
import { RecService } from '../service'
import { ModelUpdates } from '../updates'
import { smallData } from './helpers'

const data = smallData()

async function als(): Promise<ALS> {
  const m = new ALS({ factors: 8, iterations: 3, seed: 1 })
  await m.fit(data, { seed: 1 })
  return m
}

const until = async (what: string, ok: () => boolean, ms = 10_000): Promise<void> => {
  const t0 = Date.now()
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('ModelUpdates', () => {
  it('merges the events of one user into one update, oldest user first, and applies every one', async () => {
    const calls: [number, number[], number[]][] = []
    const updates = new ModelUpdates((u, items, values) => calls.push([u, [...items], [...values]]))
    updates.add(7, [1], [2])
    updates.add(3, [4], [1])
    updates.add(7, [5, 6], [1, 3])
    expect(updates.size).toBe(2)
    await until('background updates', () => updates.size === 0)
    expect(calls).toEqual([
      [7, [1, 5, 6], [2, 1, 3]],
      [3, [4], [1]],
    ])
    expect(updates.appliedCount).toBe(2)
  })

  it('settles one user at once, and clears without applying', () => {
    const calls: number[] = []
    const updates = new ModelUpdates((u) => calls.push(u))
    updates.add(1, [1], [1])
    updates.add(2, [1], [1])
    updates.settle(2)
    updates.settle(5)
    expect(calls).toEqual([2])
    updates.clear()
    updates.settleAll()
    expect(calls).toEqual([2])
    expect(updates.size).toBe(0)
    updates.close()
  })
})

describe('feedback and model updates in the service', () => {
  const user = data.users.id(11)
  const items = [3, 17, 42, 99, 150].map((i) => data.items.id(i))

  it('acknowledges before refitting, and a read of the user sees the refit of all its events', async () => {
    const model = await als()
    const reference = await als()
    // the events applied one by one, as the service did before holding updates
    for (const i of items) reference.partialFitUser(11, new Int32Array([data.items.index(i)!]), new Float32Array([2]))
    const service = new RecService({ data, models: [{ name: 'als', model, trainedAt: '' }], modelUpdates: { share: 0.01, sliceMs: 0 } })
    await service.start()
    const before = Float32Array.from(model.userVector(11))
    for (const item of items) await service.feedback([{ user, item, event: 'click' }])
    // stored and in the history at once; the model not yet
    expect(service.history(user).items.slice(-5)).toEqual(items.map((i) => data.items.index(i)))
    expect(service.stats().feedbackEvents).toBe(5)
    expect(service.stats().modelUpdates.pending).toBe(1)
    expect(Array.from(model.userVector(11))).toEqual(Array.from(before))
    // the read applies the held update first: the same vector as five separate refits
    const answer = service.recommend(user, { k: 5 })
    expect(service.stats().modelUpdates).toMatchObject({ pending: 0, applied: 1 })
    expect(Array.from(model.userVector(11))).toEqual(Array.from(reference.userVector(11)))
    expect(answer.items.map((x) => x.id)).toEqual(Array.from(reference.recommend(11, { k: 5 }).items, (i) => data.items.id(i)))
    expect(answer.items.some((x) => items.includes(x.id))).toBe(false)
    service.modelUpdates.close()
  })

  it('applies held updates in the background without any read', async () => {
    const model = await als()
    const reference = await als()
    reference.partialFitUser(12, new Int32Array([data.items.index(items[0]!)!]), new Float32Array([5]))
    const service = new RecService({ data, models: [{ name: 'als', model, trainedAt: '' }] })
    await service.start()
    await service.feedback([{ user: data.users.id(12), item: items[0]!, event: 'buy' }])
    await until('the background update', () => service.stats().modelUpdates.pending === 0)
    expect(Array.from(model.userVector(12))).toEqual(Array.from(reference.userVector(12)))
  })
})
