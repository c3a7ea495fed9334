import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@recforge/bench/readme'
import { describeReadmeParams } from '@recforge/core/testing'
import { expect, it } from 'vitest'
import { easeModel, itemKnnModel, popModel } from '../registry'

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

// the README reads MovieLens latest-small from the folder next to the repository; the test runs it
// on the identical copy (with its licence) that ships with the reference app
const movielens = path.resolve(pkgDir, '../../apps/reference/data/ml-latest-small')

it('the README example runs on MovieLens latest-small and prints what the README shows', async () => {
  const { printed, expected } = await runReadmeExample(pkgDir, (code) => code.replace('movielens-latest:../shared/data/ml-latest-small', `movielens-latest:${movielens}`))
  expect(printed).toBe(expected)
}, 120_000)

describeReadmeParams(path.join(pkgDir, 'README.md'), [popModel, itemKnnModel, easeModel])
