import { envRef, formatConf, formatConfFragment } from '../../../lib/nats/conf-format';

describe('formatConf (the chart dialect)', () => {
  test('sorts keys, writes variables raw and $include as a directive', () => {
    const text = formatConf({ port: 4222, $include: '../a/b.conf', cluster: { password: envRef('PW'), name: 'x' } });
    expect(text).toBe('{\n  include ../a/b.conf;\n  "cluster": {\n    "name": "x",\n    "password": $PW\n  },\n  "port": 4222\n}\n');
  });

  test('keeps "$" inside quoted subjects literal', () => {
    expect(formatConf({ allow: ['$KV.HARMONY.>'] })).toContain('"$KV.HARMONY.>"');
  });

  test('a fragment has no enclosing braces', () => {
    expect(formatConfFragment({ b: 1, a: { c: true } })).toBe('"a": {\n  "c": true\n},\n"b": 1\n');
  });
});
