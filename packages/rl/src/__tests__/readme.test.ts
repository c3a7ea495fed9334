import type { ModelDefinition } from '@recforge/core'
import { describeReadmeParams } from '@recforge/core/testing'
import { DQN_PARAMS, rlPolicies } from '../index'

// The tables need a name and a schema; policies are not recommenders, so they stand in for model definitions.
const tables = [...rlPolicies, { name: 'dqn', params: DQN_PARAMS }] as unknown as ModelDefinition[]
describeReadmeParams(new URL('../../README.md', import.meta.url), tables)
