import { describeReadmeParams } from '@recforge/core/testing'
import { ncfModels } from '../index'

describeReadmeParams(new URL('../../README.md', import.meta.url), ncfModels)
