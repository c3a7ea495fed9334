import { recforgeVitest } from '../../vitest.shared.ts'
export default recforgeVitest('reference', { testTimeout: 120_000 })
