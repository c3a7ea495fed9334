export { saveIndexFile, loadExactIndexFile, loadHnswIndexFile } from './files'
