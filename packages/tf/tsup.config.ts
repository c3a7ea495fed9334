import { recforgeTsup } from '../../tsup.base'
// tfjs-core ships its gradients only as extensionless ESM files that Node cannot load, so they are bundled in.
export default recforgeTsup({"index":"src/index.ts","node":"src/node.ts"}, { noExternal: [/^@tensorflow\/tfjs-core\/dist\//] })
