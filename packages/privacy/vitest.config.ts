import { recforgeVitest } from '../../vitest.shared.ts'
export default recforgeVitest('privacy')
