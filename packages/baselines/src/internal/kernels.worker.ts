// The worker entry of @recforge/baselines, bundled into kernels.worker.generated.ts by `pnpm generate`.
import { serveKernels } from '@recforge/compute'
import { baselinesKernels } from './kernels'

serveKernels(baselinesKernels)
