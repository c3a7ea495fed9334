import { RecForgeError } from './errors'

/**
 * The evaluation protocols of EVAL.md, by name. The names are a public interface (command-line
 * flags, JSON output): data splitters, the metrics harness and the app all use this one list.
 */
export const PROTOCOLS = ['rating-holdout', 'rating-folds', 'loo-sampled', 'holdout-full', 'temporal-full', 'given', 'replay'] as const

/** One evaluation protocol of EVAL.md. */
export type Protocol = (typeof PROTOCOLS)[number]

/** Protocols that cut one dataset into train and test (`given` reads two files; `replay` reads logged events). */
export const SPLIT_PROTOCOLS = ['rating-holdout', 'rating-folds', 'loo-sampled', 'holdout-full', 'temporal-full'] as const satisfies readonly Protocol[]

/** Protocols evaluated on an {@link EvalSplit}: every protocol but `replay`. */
export const EVAL_SPLIT_PROTOCOLS = ['rating-holdout', 'rating-folds', 'loo-sampled', 'holdout-full', 'temporal-full', 'given'] as const satisfies readonly Protocol[]

/** A splitting protocol ({@link SPLIT_PROTOCOLS}). */
export type SplitProtocol = (typeof SPLIT_PROTOCOLS)[number]

/** A protocol with an {@link EvalSplit} ({@link EVAL_SPLIT_PROTOCOLS}). */
export type EvalSplitProtocol = (typeof EVAL_SPLIT_PROTOCOLS)[number]

/** How a protocol scores a model: predicted ratings, a sampled candidate list, the full catalogue, or logged events. */
export type ProtocolKind = 'rating' | 'sampled' | 'full' | 'replay'

const KIND: Readonly<Record<Protocol, ProtocolKind>> = {
  'rating-holdout': 'rating',
  'rating-folds': 'rating',
  'loo-sampled': 'sampled',
  'holdout-full': 'full',
  'temporal-full': 'full',
  given: 'full',
  replay: 'replay',
}

/** True when `name` is a protocol of EVAL.md. */
export function isProtocol(name: unknown): name is Protocol {
  return typeof name === 'string' && (PROTOCOLS as readonly string[]).includes(name)
}

/**
 * How `protocol` scores a model. `given` is `full` here; with rating metrics asked for, the
 * harness scores its test pairs too.
 */
export function protocolKind(protocol: Protocol): ProtocolKind {
  return KIND[protocol]
}

/**
 * Checks a protocol name from user input, against all protocols or a subset.
 *
 * @example
 * ```ts
 * const p = parseProtocol(flags.protocol) // 'holdout-full'
 * ```
 * @throws RecForgeError INVALID_ARGUMENT naming the accepted protocols.
 */
export function parseProtocol<P extends Protocol = Protocol>(name: unknown, accepted: readonly P[] = PROTOCOLS as readonly Protocol[] as readonly P[], where = 'protocol'): P {
  if (typeof name !== 'string' || !(accepted as readonly string[]).includes(name)) {
    throw new RecForgeError('INVALID_ARGUMENT', `unknown ${where} ${JSON.stringify(name)}; expected one of ${accepted.join(', ')}`)
  }
  return name as P
}
