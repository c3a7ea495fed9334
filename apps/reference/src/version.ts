import pkg from '../package.json'

/** The reference app's version, reported in `--json` output. */
export const VERSION: string = pkg.version
