/*
 * Mutation runs only (jest.mutate.config.js): a snapshot is a change
 * detector, not an assertion of behaviour, so it must not count as killing
 * a mutant. Every snapshot matcher passes here; only direct assertions fail.
 */
const pass = () => ({ pass: true, message: () => '' });
expect.extend({
  toMatchSnapshot: pass,
  toMatchInlineSnapshot: pass,
  toThrowErrorMatchingSnapshot: pass,
  toThrowErrorMatchingInlineSnapshot: pass,
});
