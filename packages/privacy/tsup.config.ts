import { recforgeTsup } from '../../tsup.base'
export default recforgeTsup({ index: 'src/index.ts' })
