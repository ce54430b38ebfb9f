/**
 * NATS subject wildcard semantics: `*` matches one token, `>` one or more
 * trailing tokens. Used to decide whether an allow-list entry grants a
 * subject, so a permission check reasons about what a pattern reaches, not
 * about how it is spelled.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/** A well-formed subject or pattern: non-empty tokens, `>` only last, no spaces. */
export function isValidSubject(subject: string): boolean {
  if (subject.length === 0 || /\s/.test(subject)) return false;
  const tokens = subject.split('.');
  return tokens.every((t, i) => t.length > 0 && (t !== '>' || i === tokens.length - 1) && (t.length === 1 || !/[*>]/.test(t)));
}
