/** The size-bounded heap of (score, index) pairs lives in core, next to `topK`, which selects through it. */
export { TopKHeap } from '@recforge/core'
