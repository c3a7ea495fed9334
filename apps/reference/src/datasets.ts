import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The folder of the app's shipped data (ml-latest-small with its licence). */
export function builtinDataDir(): string {
  // src/ and dist/ both sit one level under the app folder
  const here = path.dirname(fileURLToPath(import.meta.url))
  return path.resolve(here, '..', 'data')
}

/** The built-in dataset spec: MovieLens latest-small, shipped with the app. */
export function builtinDatasetSpec(): string {
  return `movielens-latest:${path.join(builtinDataDir(), 'ml-latest-small')}`
}

/** Expands the `builtin` shorthand; other specs pass through unchanged. */
export function resolveDataSpec(spec: string): string {
  return spec === 'builtin' || spec === 'movielens-latest:builtin' ? builtinDatasetSpec() : spec
}

export interface DatasetDescription {
  readonly spec: string
  readonly description: string
  readonly available?: boolean
}

/** The dataset specs `--data` accepts, for `recforge datasets`. */
export function knownDatasets(): DatasetDescription[] {
  const builtin = path.join(builtinDataDir(), 'ml-latest-small')
  return [
    { spec: 'builtin', description: `MovieLens latest-small shipped with the app (100,836 ratings, 610 users, 9,742 movies; research licence in ${path.join(builtin, 'README.txt')})`, available: existsSync(path.join(builtin, 'ratings.csv')) },
    { spec: 'movielens-100k:<dir>', description: 'MovieLens 100K: u.data, u.item, u1..u5 base/test folds' },
    { spec: 'movielens-1m:<dir>', description: 'MovieLens 1M: ratings.dat, movies.dat (latin-1, "::" separated)' },
    { spec: 'movielens-latest:<dir>', description: 'MovieLens latest / 25M / 32M: ratings.csv, movies.csv, tags.csv' },
    { spec: 'goodbooks-10k:<dir>', description: 'Goodbooks-10k: ratings.csv, books.csv' },
    { spec: 'csv:<file>', description: 'Delimited (CSV/TSV), JSONL or Parquet interactions; --user-col --item-col --rating-col --time-col --sep' },
    { spec: 'synthetic:<preset>', description: 'Seeded synthetic data with latent structure: small, ml100k, 1m, 10m, 20m' },
  ]
}
