/** Tests are transpiled only; `npm run typecheck` does the type checking once for the whole tree. */
module.exports = {
  testEnvironment: 'node',
  // Two workers on our two cores (Jest's default, cores - 1, would run one file at a time).
  maxWorkers: 2,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The 400-clinic limits proof takes minutes: `npm run test:limits` runs it, and so does .ci/run.
  testPathIgnorePatterns: ['/node_modules/', '\\.limits\\.test\\.ts$'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
};
