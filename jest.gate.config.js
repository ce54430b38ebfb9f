// `npm run mutate:gate` (stryker.gate.config.cjs, in CI): the gated modules'
// own direct tests only. Their mutants must fail those; the JWT suites also
// run identityPermissions, but sign with nkeys.js (slow under Jest), and
// letting them count would push the gate past CI's time cap.
const base = require('./jest.mutate.config.js');
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/lib/nats/permissions.test.ts', '<rootDir>/test/lib/nats/accounts.test.ts', '<rootDir>/test/lib/kv/stream-configs.test.ts'],
};
