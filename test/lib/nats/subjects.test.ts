import { isValidSubject, subjectMatches } from '../../../lib/nats/subjects';

describe('subjectMatches', () => {
  test.each([
    ['foo.bar', 'foo.bar', true],
    ['foo.*', 'foo.bar', true],
    ['foo.*', 'foo.bar.baz', false],
    ['foo.>', 'foo.bar.baz', true],
    ['foo.>', 'foo', false],
    ['>', 'anything.at.all', true],
    ['$JS.API.STREAM.>', '$JS.API.STREAM.DELETE.X', true],
    ['$JS.*.STREAM.*.*', '$JS.API.STREAM.DELETE.X', true],
    ['$KV.HARMONY.>', '$JS.API.STREAM.DELETE.X', false],
  ])('%s vs %s is %s', (p, s, expected) => expect(subjectMatches(p, s)).toBe(expected));
});

describe('isValidSubject', () => {
  test.each(['a.b', 'a.*.c', 'a.>', '$KV.HARMONY.>', '_INBOX.>'])('accepts %s', (s) => expect(isValidSubject(s)).toBe(true));
  test.each(['', 'a..b', 'a.>.b', 'a b', 'a.b*', '.a'])('refuses %p', (s) => expect(isValidSubject(s)).toBe(false));
});
