import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeReadmeParams } from '@recforge/core/testing'
import { contentModel, hybridModel } from '../registry'

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

describeReadmeParams(path.join(pkgDir, 'README.md'), [contentModel, hybridModel])
