import { recforgeTsup } from '../../tsup.base'
export default recforgeTsup({ index: 'src/index.ts', testing: 'src/testing/index.ts', node: 'src/node.ts' }, { external: ['vitest'] })
