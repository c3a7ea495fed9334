import { defineProject } from 'vitest/config'

/** Shared vitest project settings: tests run against `src` through the source export condition. */
export function recforgeVitest(name: string, extra: { testTimeout?: number; setupFiles?: string[] } = {}) {
  return defineProject({
    resolve: { conditions: ['@recforge/source'] },
    ssr: { resolve: { conditions: ['@recforge/source'] } },
    test: {
      name,
      include: ['src/**/__tests__/**/*.test.ts'],
      testTimeout: extra.testTimeout ?? 30_000,
      setupFiles: extra.setupFiles ?? [],
    },
  })
}
