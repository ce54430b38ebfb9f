// `npm run mutate` (stryker.config.json): the direct unit tests of the
// mutated modules (lib/, config/, lib/secrets via the keys CLI), with
// snapshots neutralised (test/support/no-snapshots.ts) so only direct
// assertions kill mutants. The stack and construct tests are left out: they
// synthesize whole stacks (seconds per mutant), and a mutant in lib/nats/
// must be caught by lib/nats/'s own tests, not only by a synthesized stack.
const base = require('./jest.config.js').projects.find((p) => p.displayName === 'unit');
module.exports = {
  ...base,
  displayName: undefined,
  rootDir: __dirname,
  setupFilesAfterEnv: ['<rootDir>/test/support/no-snapshots.ts'],
  testMatch: ['<rootDir>/test/lib/**/*.test.ts', '<rootDir>/test/config/**/*.test.ts', '<rootDir>/test/secrets/**/*.test.ts', '<rootDir>/test/scripts/keys.test.ts'],
  // Starts real nats-servers: lib/local is not mutated.
  testPathIgnorePatterns: [...base.testPathIgnorePatterns, '<rootDir>/test/lib/local/'],
};
