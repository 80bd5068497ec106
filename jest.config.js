// jest in ESM mode: the project and several dependencies (@actions/*, jose, nock) are ESM-only.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  moduleNameMapper: {
    '^@depot-actions/core$': '<rootDir>/packages/core/src/index.ts',
    '^@depot-actions/github$': '<rootDir>/packages/github/src/index.ts',
    '^@depot-actions/ci-entry$': '<rootDir>/packages/ci-entry/src/lib.ts',
    '^@depot-actions/circleci$': '<rootDir>/packages/circleci/src/lib.ts',
    '^@depot-actions/buildkite$': '<rootDir>/packages/buildkite/src/lib.ts',
    '^@depot-actions/gitlab$': '<rootDir>/packages/gitlab/src/lib.ts',
  },
  testMatch: ['<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  // Process-level tests spawn the bundled actions and real binaries; give them room on a 2-core machine.
  testTimeout: 60_000,
  maxWorkers: 2,
};
