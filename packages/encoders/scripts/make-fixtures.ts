/**
 * Writes the tiny transformers.js fixture models under src/__tests__/fixtures/ (kilobytes each):
 *
 * - `tiny-bert/`: a BERT-shaped text model (token + position + type embeddings, LayerNormalization,
 *   Tanh, a masked mean "context" mix standing in for attention, MatMul) with inputs
 *   input_ids / attention_mask / token_type_ids and output last_hidden_state, a WordPiece
 *   tokenizer.json, config.json and tokenizer_config.json (model_max_length 16).
 * - `tiny-clip-vision/`: a CLIP-vision-shaped image model (8×8 RGB → 2×2 patches of 4×4 →
 *   patch MatMul + position → LayerNormalization → Tanh → mean over patches → projection) with
 *   input pixel_values and outputs image_embeds and last_hidden_state, a CLIP
 *   preprocessor_config.json, and three 16×16 PNG images.
 *
 * Weights are seeded random numbers: the files test the code path, not semantic quality.
 * Run: `pnpm --filter @recforge/encoders exec tsx scripts/make-fixtures.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { deflateSync } from 'node:zlib'
import { Random, crc32 } from '@recforge/core'

// ---------------------------------------------------------------- protobuf writer
class Pb {
  private readonly parts: number[] = []
  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v))
    do {
      let byte = Number(x & 0x7fn)
      x >>= 7n
      if (x) byte |= 0x80
      this.parts.push(byte)
    } while (x)
  }
  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire)
  }
  int(field: number, v: number | bigint): this {
    this.key(field, 0)
    this.varint(v)
    return this
  }
  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2)
    this.varint(b.length)
    for (const x of b) this.parts.push(x)
    return this
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s))
  }
  msg(field: number, m: Pb): this {
    return this.bytes(field, m.finish())
  }
  float(field: number, f: number): this {
    this.key(field, 5)
    const b = new Uint8Array(4)
    new DataView(b.buffer).setFloat32(0, f, true)
    for (const x of b) this.parts.push(x)
    return this
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts)
  }
}

// ONNX enums
const FLOAT = 1
const INT64 = 7
type Attr = { name: string; i?: number; f?: number; ints?: number[] }

function tensor(name: string, dims: number[], data: Float32Array | BigInt64Array): Pb {
  const t = new Pb()
  for (const d of dims) t.int(1, d)
  t.int(2, data instanceof Float32Array ? FLOAT : INT64)
  t.str(8, name)
  t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
  return t
}

function node(op: string, inputs: string[], outputs: string[], attrs: Attr[] = []): Pb {
  const n = new Pb()
  for (const i of inputs) n.str(1, i)
  for (const o of outputs) n.str(2, o)
  n.str(3, `${op}_${outputs[0]}`)
  n.str(4, op)
  for (const a of attrs) {
    const p = new Pb().str(1, a.name)
    if (a.i !== undefined) p.int(3, a.i).int(20, 2)
    else if (a.f !== undefined) p.float(2, a.f).int(20, 1)
    else if (a.ints) {
      for (const v of a.ints) p.int(8, v)
      p.int(20, 7)
    }
    n.msg(5, p)
  }
  return n
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): Pb {
  const shape = new Pb()
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d))
  return new Pb().str(1, name).msg(2, new Pb().msg(1, new Pb().int(1, elemType).msg(2, shape)))
}

function model(name: string, nodes: Pb[], inits: Pb[], inputs: Pb[], outputs: Pb[]): Uint8Array {
  const g = new Pb()
  for (const n of nodes) g.msg(1, n)
  g.str(2, name)
  for (const t of inits) g.msg(5, t)
  for (const i of inputs) g.msg(11, i)
  for (const o of outputs) g.msg(12, o)
  return new Pb().int(1, 8).str(2, 'recforge-fixture').str(3, '1').msg(7, g).msg(8, new Pb().str(1, '').int(2, 17)).finish()
}

/** Writes a model folder: the ONNX graph under `onnx/`, and each JSON file beside it. */
function writeModel(dir: string, onnxFile: string, onnx: Uint8Array, json: Record<string, unknown>): void {
  writeFileSync(path.join(dir, 'onnx', onnxFile), onnx)
  for (const [file, o] of Object.entries(json)) writeFileSync(path.join(dir, file), JSON.stringify(o, null, 2) + '\n')
}

const rng = new Random(20240601)
const randn = (n: number, std: number) => rng.fillNormal(new Float32Array(n), 0, std) as Float32Array
const i64 = (...v: number[]) => BigInt64Array.from(v.map(BigInt))

const root = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'src', '__tests__', 'fixtures')

// ---------------------------------------------------------------- tiny BERT
{
  const dir = path.join(root, 'tiny-bert')
  mkdirSync(path.join(dir, 'onnx'), { recursive: true })
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
  const words = (
    'the a of and in to with for on is movie film story toy heat heist crime thriller adventure animation children comedy fantasy drama romance ' +
    'action sci fi war space robot robots love jungle game board pixar fun twist ending los angeles usual suspects jumanji genres tags dark funny sad ' +
    'music musical horror mystery western documentary family friends city night world life man woman girl boy king queen star wars'
  ).split(' ')
  const pieces = ['##s', '##ing', '##ed', '##er', '##y', '##ly', '##0', '##1', '##2', '##3', '##4', '##5', '##6', '##7', '##8', '##9']
  const punct = ['.', ',', '(', ')', ':', '-', "'", '!', '?', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']
  const vocabList = [...special, ...punct, ...words, ...pieces]
  const vocab = Object.fromEntries(vocabList.map((t, i) => [t, i]))
  const V = vocabList.length
  const H = 32
  const P = 16
  const inits = [
    tensor('word_emb', [V, H], randn(V * H, 1)),
    tensor('pos_emb', [P, H], randn(P * H, 0.1)),
    tensor('type_emb', [2, H], randn(2 * H, 0.1)),
    tensor('ln_gamma', [H], new Float32Array(H).fill(1)),
    tensor('ln_beta', [H], new Float32Array(H)),
    tensor('w_token', [H, H], randn(H * H, 1 / Math.sqrt(H))),
    tensor('w_context', [H, H], randn(H * H, 1 / Math.sqrt(H))),
    tensor('b_out', [H], randn(H, 0.05)),
    tensor('axis1', [], i64(1)),
    tensor('axes1', [1], i64(1)),
    tensor('axes2', [1], i64(2)),
    tensor('zero', [], i64(0)),
    tensor('one', [], i64(1)),
    tensor('onef', [], Float32Array.of(1)),
  ]
  const nodes = [
    node('Gather', ['word_emb', 'input_ids'], ['we']),
    node('Shape', ['input_ids'], ['shape']),
    node('Gather', ['shape', 'axis1'], ['seq_len'], [{ name: 'axis', i: 0 }]),
    node('Range', ['zero', 'seq_len', 'one'], ['pos_ids']),
    node('Gather', ['pos_emb', 'pos_ids'], ['pe']),
    node('Gather', ['type_emb', 'token_type_ids'], ['te']),
    node('Add', ['we', 'pe'], ['a1']),
    node('Add', ['a1', 'te'], ['a2']),
    node('LayerNormalization', ['a2', 'ln_gamma', 'ln_beta'], ['ln'], [{ name: 'axis', i: -1 }, { name: 'epsilon', f: 1e-12 }]),
    node('Tanh', ['ln'], ['h']),
    node('Cast', ['attention_mask'], ['mask_f'], [{ name: 'to', i: FLOAT }]),
    node('Unsqueeze', ['mask_f', 'axes2'], ['mask3']),
    node('Mul', ['h', 'mask3'], ['hm']),
    node('ReduceSum', ['hm', 'axes1'], ['ctx_sum'], [{ name: 'keepdims', i: 1 }]),
    node('ReduceSum', ['mask3', 'axes1'], ['ctx_cnt'], [{ name: 'keepdims', i: 1 }]),
    node('Max', ['ctx_cnt', 'onef'], ['ctx_cnt1']),
    node('Div', ['ctx_sum', 'ctx_cnt1'], ['ctx']),
    node('MatMul', ['h', 'w_token'], ['ht']),
    node('MatMul', ['ctx', 'w_context'], ['hc']),
    node('Add', ['ht', 'hc'], ['z']),
    node('Add', ['z', 'b_out'], ['last_hidden_state']),
  ]
  const ids = (n: string) => valueInfo(n, INT64, ['batch_size', 'sequence_length'])
  const onnx = model('tiny_bert', nodes, inits, [ids('input_ids'), ids('attention_mask'), ids('token_type_ids')], [valueInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', H])])
  const tok = (t: string) => ({ SpecialToken: { id: t, type_id: 0 } })
  writeModel(dir, 'model.onnx', onnx, {
    'config.json': {
      model_type: 'bert',
      architectures: ['BertModel'],
      hidden_size: H,
      vocab_size: V,
      max_position_embeddings: P,
      num_attention_heads: 1,
      num_hidden_layers: 1,
      intermediate_size: H,
      type_vocab_size: 2,
      pad_token_id: 0,
    },
    'tokenizer_config.json': {
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: P,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    },
    'tokenizer.json': {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: special.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [tok('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, tok('[SEP]')],
        pair: [tok('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, tok('[SEP]'), { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
        special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
    },
  })
}

// ---------------------------------------------------------------- tiny CLIP vision
function png(width: number, height: number, rgb: (x: number, y: number) => [number, number, number]): Uint8Array {
  const raw = new Uint8Array(height * (1 + width * 3))
  for (let y = 0; y < height; y++) {
    raw[y * (1 + width * 3)] = 0
    for (let x = 0; x < width; x++) raw.set(rgb(x, y), y * (1 + width * 3) + 1 + x * 3)
  }
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length)
    const dv = new DataView(out.buffer)
    dv.setUint32(0, data.length)
    out.set(new TextEncoder().encode(type), 4)
    out.set(data, 8)
    dv.setUint32(8 + data.length, crc32(out, 4, 8 + data.length))
    return out
  }
  const ihdr = new Uint8Array(13)
  const dv = new DataView(ihdr.buffer)
  dv.setUint32(0, width)
  dv.setUint32(4, height)
  ihdr.set([8, 2, 0, 0, 0], 8)
  const parts = [Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let o = 0
  for (const p of parts) (out.set(p, o), (o += p.length))
  return out
}

{
  const dir = path.join(root, 'tiny-clip-vision')
  mkdirSync(path.join(dir, 'onnx'), { recursive: true })
  const H = 24
  const E = 16
  const inits = [
    tensor('shape6', [6], i64(0, 3, 2, 4, 2, 4)),
    tensor('shape3', [3], i64(0, 4, 48)),
    tensor('w_patch', [48, H], randn(48 * H, 1 / Math.sqrt(48))),
    tensor('pos', [4, H], randn(4 * H, 0.1)),
    tensor('ln_gamma', [H], new Float32Array(H).fill(1)),
    tensor('ln_beta', [H], new Float32Array(H)),
    tensor('w_proj', [H, E], randn(H * E, 1 / Math.sqrt(H))),
    tensor('axes1', [1], i64(1)),
  ]
  const nodes = [
    node('Reshape', ['pixel_values', 'shape6'], ['p6']),
    node('Transpose', ['p6'], ['pt'], [{ name: 'perm', ints: [0, 2, 4, 1, 3, 5] }]),
    node('Reshape', ['pt', 'shape3'], ['patches']),
    node('MatMul', ['patches', 'w_patch'], ['pe']),
    node('Add', ['pe', 'pos'], ['pp']),
    node('LayerNormalization', ['pp', 'ln_gamma', 'ln_beta'], ['ln'], [{ name: 'axis', i: -1 }, { name: 'epsilon', f: 1e-5 }]),
    node('Tanh', ['ln'], ['last_hidden_state']),
    node('ReduceMean', ['last_hidden_state'], ['pooled'], [{ name: 'axes', ints: [1] }, { name: 'keepdims', i: 0 }]),
    node('MatMul', ['pooled', 'w_proj'], ['image_embeds']),
  ]
  const onnx = model(
    'tiny_clip_vision',
    nodes,
    inits,
    [valueInfo('pixel_values', FLOAT, ['batch_size', 3, 8, 8])],
    [valueInfo('image_embeds', FLOAT, ['batch_size', E]), valueInfo('last_hidden_state', FLOAT, ['batch_size', 4, H])],
  )
  writeModel(dir, 'vision_model.onnx', onnx, {
    'config.json': {
      model_type: 'clip',
      architectures: ['CLIPModel'],
      projection_dim: E,
      vision_config: { model_type: 'clip_vision_model', hidden_size: H, image_size: 8, patch_size: 4, num_channels: 3, projection_dim: E },
      text_config: { model_type: 'clip_text_model', hidden_size: H, vocab_size: 10, max_position_embeddings: 16, projection_dim: E },
    },
    'preprocessor_config.json': {
      image_processor_type: 'CLIPImageProcessor',
      do_resize: true,
      size: { shortest_edge: 8 },
      resample: 3,
      do_center_crop: true,
      crop_size: { height: 8, width: 8 },
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.48145466, 0.4578275, 0.40821073],
      image_std: [0.26862954, 0.26130258, 0.27577711],
      do_convert_rgb: true,
    },
  })
  const images = path.join(root, 'images')
  mkdirSync(images, { recursive: true })
  writeFileSync(path.join(images, 'red.png'), png(16, 16, (x, y) => [220, (x * 8) % 256, (y * 8) % 256]))
  writeFileSync(path.join(images, 'stripes.png'), png(16, 16, (x) => (x % 4 < 2 ? [20, 20, 20] : [240, 240, 240])))
  writeFileSync(path.join(images, 'gradient.png'), png(24, 16, (x, y) => [x * 10, y * 15, 128]))
}
process.stdout.write(`fixtures written under ${root}\n`)
