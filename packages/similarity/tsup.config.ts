import { recforgeTsup } from '../../tsup.base'
export default recforgeTsup({"index":"src/index.ts","hnswlib":"src/adapters/hnswlib.ts","usearch":"src/adapters/usearch.ts","pgvector":"src/adapters/pgvector.ts"})
