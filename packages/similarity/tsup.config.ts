import { recforgeTsup } from '../../tsup.base'
// splitting: the node entry loads the main entry's ExactIndex and HnswIndex classes, not copies of them
export default recforgeTsup({ index: 'src/index.ts', node: 'src/node.ts', hnswlib: 'src/adapters/hnswlib.ts', usearch: 'src/adapters/usearch.ts', pgvector: 'src/adapters/pgvector.ts' }, { splitting: true })
