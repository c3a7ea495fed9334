/**
 * The kernels of item-kNN and EASE by name: the table the worker entry (kernels.worker.ts) serves
 * and the calling thread runs, so results never depend on how many threads did the work.
 */
import { knnRowsKernel } from './knn'
import { easeRowsKernel, gramRowsKernel, sweepRowsKernel } from './spdKernels'
import { crossRowsKernel, woodburyRowsKernel } from './woodburyKernels'

export const baselinesKernels = {
  gram: gramRowsKernel,
  sweep: sweepRowsKernel,
  ease: easeRowsKernel,
  cross: crossRowsKernel,
  woodbury: woodburyRowsKernel,
  knn: knnRowsKernel,
}
