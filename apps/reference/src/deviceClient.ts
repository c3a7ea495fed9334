// The script of the on-device page (devicePage.ts), bundled for the browser by device.ts. It
// fetches the item titles and the item-only artifacts of a factor model once; after that it sends
// nothing: likes live in `likes` below, the fold-in and ranking are @recforge/mf's code, run here.
import { decodeArtifacts } from '@recforge/core'
import { ALS, BPR } from '@recforge/mf'

type DeviceModel = ALS | BPR

/** The user's likes: item indices, in the order liked. Nowhere else. */
const likes: number[] = []
let ids: readonly string[] = []
let titles: readonly string[] = []
let model: DeviceModel | undefined

const $ = (id: string) => document.getElementById(id)!

function item(i: number, button?: { label: string; cls?: string; onClick: () => void }): HTMLLIElement {
  const li = document.createElement('li')
  li.dataset.item = ids[i]!
  li.append(document.createTextNode(`${titles[i]} `))
  if (button) {
    const b = document.createElement('button')
    b.textContent = button.label
    if (button.cls) b.className = button.cls
    b.addEventListener('click', button.onClick)
    li.append(b)
  }
  return li
}

function muted(text: string): HTMLLIElement {
  const li = document.createElement('li')
  li.className = 'muted'
  li.textContent = text
  return li
}

function renderLikes(): void {
  const ul = $('likes')
  ul.replaceChildren(...(likes.length ? likes.map((i) => item(i, { label: 'remove', cls: 'remove', onClick: () => toggle(i) })) : [muted('None yet.')]))
}

function renderRecs(): void {
  const ol = $('recs')
  if (!model || likes.length === 0) return void ol.replaceChildren(muted('Like a few items.'))
  const started = performance.now()
  // fold-in: the user's vector from the likes (ALS: one exact least-squares half-step), then every item scored
  const top = model.recommendNewUser(Int32Array.from(likes), undefined, { k: 10 })
  ol.replaceChildren(...Array.from(top.items, (i, j) => {
    const li = item(i)
    li.dataset.score = String(top.scores[j])
    return li
  }))
  $('status').textContent = `${model.name} with ${model.numItems} items: top 10 computed in this browser in ${(performance.now() - started).toFixed(1)} ms`
}

function toggle(i: number): void {
  const at = likes.indexOf(i)
  if (at >= 0) likes.splice(at, 1)
  else likes.push(i)
  renderLikes()
  renderRecs()
  search()
}

function search(): void {
  const q = ($('search') as HTMLInputElement).value.trim().toLowerCase()
  const ul = $('results')
  if (!q) return void ul.replaceChildren()
  const found: number[] = []
  for (let i = 0; i < titles.length && found.length < 15; i++) if (titles[i]!.toLowerCase().includes(q)) found.push(i)
  ul.replaceChildren(...(found.length ? found.map((i) => item(i, { label: likes.includes(i) ? 'unlike' : 'like', onClick: () => toggle(i) })) : [muted('No title matches.')]))
}

async function start(): Promise<void> {
  const [items, bytes] = await Promise.all([
    fetch('/device/items').then(async (r) => (r.ok ? ((await r.json()) as { model: string; ids: string[]; titles: string[] }) : Promise.reject(new Error(((await r.json()) as { message: string }).message)))),
    fetch('/device/model').then(async (r) => (r.ok ? new Uint8Array(await r.arrayBuffer()) : Promise.reject(new Error(((await r.json()) as { message: string }).message)))),
  ])
  const artifacts = decodeArtifacts(bytes, 'device model')
  if (artifacts.model === 'als') model = await ALS.load(artifacts)
  else if (artifacts.model === 'bpr') model = await BPR.load(artifacts)
  else throw new Error(`the page cannot run model ${artifacts.model}`)
  ids = items.ids
  titles = items.titles
  if (model.numItems !== ids.length) throw new Error(`the model has ${model.numItems} items but the catalogue ${ids.length}`)
  const input = $('search') as HTMLInputElement
  input.disabled = false
  input.addEventListener('input', search)
  $('status').textContent = `${items.model}: ${(bytes.length / 1e6).toFixed(1)} MB of item factors for ${ids.length} items, loaded once; nothing more is requested.`
  document.body.dataset.ready = 'true'
}

start().catch((e: unknown) => {
  $('status').className = 'err'
  $('status').textContent = `Could not load the model: ${(e as Error).message}`
})
