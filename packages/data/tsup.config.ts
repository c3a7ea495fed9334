import { recforgeTsup } from '../../tsup.base'
// splitting: the three entries share their modules, so the node entry and the main entry hand out the same classes
export default recforgeTsup({ index: 'src/index.ts', browser: 'src/browser.ts', node: 'src/node.ts' }, { splitting: true })
