import { checkArtifacts, RecForgeError, type ModelArtifacts } from '@recforge/core'
import type { BanditPolicy } from './types'

const FORMAT = 'bandit-state'
const FORMAT_VERSION = 1

/**
 * What a policy has learned, as model artifacts (write them with `saveArtifactsFile` from
 * `@recforge/core/node`, checksummed and atomic). `meta` travels along, e.g. serving counters.
 *
 * @example
 * ```ts
 * const artifacts = savePolicyState(policy, { clicks: 12 })
 * const again = createPolicy('thompson')
 * restorePolicyState(again, artifacts) // again now continues where policy stopped
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a policy without getState.
 */
export function savePolicyState(policy: BanditPolicy, meta: Record<string, unknown> = {}): ModelArtifacts {
  if (!policy.getState) throw new RecForgeError('INVALID_ARGUMENT', `policy "${policy.name}" cannot save its state (no getState)`)
  return { model: FORMAT, formatVersion: FORMAT_VERSION, config: { policy: policy.name }, meta, tensors: policy.getState() }
}

/**
 * Restores {@link savePolicyState} artifacts into a policy built with the same name and options.
 *
 * @throws RecForgeError INVALID_ARGUMENT for artifacts of something else or of another policy;
 * PARSE_ERROR / DIMENSION_MISMATCH for a state that does not fit the policy.
 */
export function restorePolicyState(policy: BanditPolicy, artifacts: ModelArtifacts): void {
  checkArtifacts(artifacts, FORMAT, FORMAT_VERSION)
  const saved = artifacts.config['policy']
  if (saved !== policy.name) throw new RecForgeError('INVALID_ARGUMENT', `bandit state was saved by policy "${String(saved)}"; this policy is "${policy.name}"`)
  if (!policy.setState) throw new RecForgeError('INVALID_ARGUMENT', `policy "${policy.name}" cannot restore a state (no setState)`)
  const state: Record<string, Float64Array> = {}
  for (const [k, v] of Object.entries(artifacts.tensors)) {
    if (!(v instanceof Float64Array)) throw new RecForgeError('PARSE_ERROR', `bandit state: tensor "${k}" is ${v.constructor.name}, expected Float64Array`)
    state[k] = v
  }
  policy.setState(state)
}
