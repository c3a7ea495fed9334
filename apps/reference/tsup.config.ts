import { recforgeTsup } from '../../tsup.base'
export default recforgeTsup({ cli: 'src/cli.ts', index: 'src/index.ts' }, { format: ['esm'], dts: false })
