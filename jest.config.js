/** Jest runs the TypeScript sources as ESM through ts-jest without type checking (that is `npm run typecheck`). */
const tsJest = { useESM: true, diagnostics: false };

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', tsJest] },
  moduleNameMapper: {
    '^#qbank/(contract|client|sandbox)$': '<rootDir>/libs/qbank-$1/src/index.ts',
    '^#gateway/client$': '<rootDir>/libs/gateway-client/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
