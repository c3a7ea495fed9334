// Everything: the portable loaders and tools (also the `browser` build of this entry) and, for
// Node, the file helpers of `@recforge/data/node`.
export * from './browser'
export { fileSource, forEachLine } from './files'
export { loadDataset, loadFile, DATASET_KINDS } from './load'
export { loadMovieLens100k, loadMovieLens1m, loadMovieLensLatest } from './movielens'
export { loadGoodbooks } from './goodbooks'
export { loadDelimited, loadJsonl, loadParquet } from './fileLoaders'
export { writeRatingsCsv } from './writeRatings'
export { downloadDataset, defaultCacheDir, DATASET_SOURCES } from './download'
export type { DatasetSource, DownloadOptions, DownloadResult } from './download'
export { readZipEntries, extractZip } from './zip'
export type { ZipEntry } from './zip'
