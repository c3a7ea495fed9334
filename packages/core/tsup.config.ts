import { recforgeTsup } from '../../tsup.base'
// splitting: the entries share one chunk of core (RecForgeError, artifacts), so `instanceof RecForgeError` holds across them
export default recforgeTsup({ index: 'src/index.ts', testing: 'src/testing/index.ts', node: 'src/node.ts' }, { external: ['vitest'], splitting: true })
