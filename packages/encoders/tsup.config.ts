import { recforgeTsup } from '../../tsup.base'
export default recforgeTsup({"index":"src/index.ts","transformers":"src/transformers/index.ts","use":"src/use/index.ts"})
