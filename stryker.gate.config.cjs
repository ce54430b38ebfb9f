// `npm run mutate:gate`, in CI: stryker.config.json (same runner, thresholds
// and reporters) narrowed to the gated modules and their own tests
// (jest.gate.config.js), with its own temp directory.
const base = require('./stryker.config.json');

module.exports = {
  ...base,
  jest: { ...base.jest, configFile: 'jest.gate.config.js' },
  mutate: ['lib/nats/permissions.ts', 'lib/nats/accounts.ts', 'lib/kv/stream-configs.ts'],
  tempDirName: '.stryker-tmp-gate',
};
