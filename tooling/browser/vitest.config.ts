import { recforgeVitest } from '../../vitest.shared.ts'
// Chromium start, bundling and a page that fits ALS on 100K ratings take a while on a loaded machine
export default recforgeVitest('browser', { testTimeout: 180_000 })
