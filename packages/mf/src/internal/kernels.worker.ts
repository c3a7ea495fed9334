// The worker entry of @recforge/mf, bundled into kernels.worker.generated.ts by `pnpm generate`.
import { serveKernels } from '@recforge/compute'
import { mfKernels } from './kernels'

serveKernels(mfKernels)
