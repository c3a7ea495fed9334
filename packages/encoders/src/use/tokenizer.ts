// The SentencePiece tokenizer of the Universal Sentence Encoder lite, ported from
// @tensorflow-models/universal-sentence-encoder 1.3.3 (src/tokenizer, Copyright 2019 Google LLC,
// Apache License 2.0), itself a port of SentencePiece's EncodeAsIds: a Viterbi search over the
// lattice of vocabulary pieces. It gives the same ids as that package (checked in use.test.ts);
// taking it from there made npm install that package, whose peers want tfjs 3.
import { RecForgeError } from '@recforge/core'

/** One vocabulary entry: the piece and its log-probability score (`null` in the published file for a few pieces, read as 0 as upstream does). */
export type VocabEntry = readonly [piece: string, score: number | null]

interface TrieNode {
  children: Map<string, TrieNode>
  /** The vocabulary index of the piece ending here, or -1. */
  index: number
  score: number
  /** Length of the piece in code points. */
  length: number
}

const SEPARATOR = '\u2581' // '▁', SentencePiece's word boundary
// The first ids are reserved for unk, control symbols and user-defined symbols.
const RESERVED = 6

const node = (length: number): TrieNode => ({ children: new Map(), index: -1, score: 0, length })

/**
 * SentencePiece ids of text for the Universal Sentence Encoder lite's 8k vocabulary (`vocab.json`:
 * an array of `[piece, score]`). Unknown characters map to id 0, consecutive unknowns to one 0.
 *
 * @example
 * ```ts
 * const tok = new UseTokenizer(JSON.parse(await readFile('vocab.json', 'utf8')))
 * tok.encode('a heist film') // [ ... ]
 * ```
 * @throws RecForgeError PARSE_ERROR for a vocabulary that is not an array of [string, number].
 */
export class UseTokenizer {
  private readonly root = node(0)
  private readonly lengths: Int32Array

  constructor(vocabulary: readonly VocabEntry[]) {
    if (!Array.isArray(vocabulary) || vocabulary.length <= RESERVED) {
      throw new RecForgeError('PARSE_ERROR', `the tokenizer vocabulary must be an array of more than ${RESERVED} [piece, score] pairs; got ${Array.isArray(vocabulary) ? `${vocabulary.length} entries` : typeof vocabulary}`)
    }
    this.lengths = new Int32Array(vocabulary.length)
    vocabulary.forEach((entry, i) => {
      const [piece, score] = Array.isArray(entry) ? entry : []
      if (typeof piece !== 'string' || (typeof score !== 'number' && score !== null)) {
        throw new RecForgeError('PARSE_ERROR', `tokenizer vocabulary entry ${i} must be [string, number or null]; got ${JSON.stringify(entry)?.slice(0, 80)}`)
      }
      // the backward pass steps back by the piece's UTF-16 length, as upstream does
      this.lengths[i] = piece.length
      if (i < RESERVED) return
      let n = this.root
      const symbols = [...piece]
      symbols.forEach((s, k) => {
        let c = n.children.get(s)
        if (!c) n.children.set(s, (c = node(k + 1)))
        n = c
      })
      n.index = i
      n.score = score ?? 0
    })
  }

  /** The ids of `input` (NFKC-normalised, spaces as word boundaries). */
  encode(input: string): number[] {
    const normalized = input.normalize('NFKC')
    if (normalized.length === 0) return []
    const symbols = [...(SEPARATOR + normalized.replace(/ /g, SEPARATOR))]
    const n = symbols.length
    // ends[e] lists the pieces ending at e
    const ends: { index: number; score: number; length: number }[][] = Array.from({ length: n + 1 }, () => [])
    for (let i = 0; i < n; i++) {
      let cur = this.root.children.get(symbols[i]!)
      let found = false
      for (let k = i; k < n && cur; k++) {
        if (cur.index >= 0) {
          ends[i + cur.length]!.push({ index: cur.index, score: cur.score, length: cur.length })
          found = true
        }
        cur = k + 1 < n ? cur.children.get(symbols[k + 1]!) : undefined
      }
      // no piece starts here: one unknown symbol (id 0, score 0)
      if (!found) ends[i + 1]!.push({ index: 0, score: 0, length: 1 })
    }
    const best = new Float64Array(n + 1)
    const words = new Int32Array(n + 1)
    for (let e = 0; e <= n; e++) {
      // in the order upstream scores them: by start position, ascending (pushed that way above)
      for (const w of ends[e]!) {
        const score = w.score + best[e - w.length]!
        if (best[e] === 0 || score >= best[e]!) {
          best[e] = score
          words[e] = w.index
        }
      }
    }
    const out: number[] = []
    for (let it = n; it > 0; ) {
      out.push(words[it]!)
      it -= this.lengths[words[it]!]!
    }
    // merge consecutive unknowns
    const merged: number[] = []
    let prevUnk = false
    for (const id of out) {
      if (!(prevUnk && id === 0)) merged.push(id)
      prevUnk = id === 0
    }
    return merged.reverse()
  }
}
