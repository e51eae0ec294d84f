/** Tests are transpiled only; `npm run typecheck` does the type checking once for the whole tree. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The 400-clinic limits proof takes minutes: `npm run test:limits` runs it, and so does .ci/run.
  testPathIgnorePatterns: ['/node_modules/', '\\.limits\\.test\\.ts$'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
};
