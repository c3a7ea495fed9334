import { recforgeTsup } from '../../tsup.base'
// keep `node:` on the lazily imported built-ins, so browser bundlers know to leave them out
export default recforgeTsup({ index: 'src/index.ts' }, { removeNodeProtocol: false })
