import { recforgeTsup } from '../../tsup.base'
import { tfjsGradientsPlugin } from './scripts/tfjsGradients'
// tfjs-core ships its gradients only as extensionless ESM that Node cannot load: they are bundled,
// and everything else they import is taken from the public (external) tfjs-core entry, so there is one engine.
export default recforgeTsup({ index: 'src/index.ts', node: 'src/node.ts' }, { noExternal: [/^@tensorflow\/tfjs-core\/dist\//], esbuildPlugins: [tfjsGradientsPlugin()] })
