import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runReadmeExample } from '@recforge/bench/readme'
import { describeReadmeParams } from '@recforge/core/testing'
import { expect, it } from 'vitest'
import { autoRecModel, multDaeModel, multVaeModel } from '../registry'

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

it('the README example runs and prints what the README shows', async () => {
  const { printed, expected } = await runReadmeExample(pkgDir)
  expect(printed).toBe(expected)
}, 300_000)

describeReadmeParams(path.join(pkgDir, 'README.md'), [multVaeModel, multDaeModel, autoRecModel])
