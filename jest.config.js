/** Tests are transpiled only; `npm run typecheck` does the type checking once for the whole tree. */
module.exports = {
  testEnvironment: 'node',
  // Three workers on our two cores: many files wait on a child process (PostgreSQL, the CDK CLI, tsx),
  // and a third worker fills that time. Measured on 2 cores: 1 worker (Jest's default there) about
  // 4 minutes, 2 workers 112 s, 3 workers 92 s, 4 workers slower again.
  maxWorkers: 3,
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
