import { managementSubjectsReached } from '../lib/nats/permissions';
import { isValidSubject } from '../lib/nats/subjects';

/**
 * Whether a pattern a fleet author writes can match a subject the platform
 * reserves: anything whose first token starts with `$` ($JS, $KV, $SYS, $O,
 * $MQTT, $NRG...) or `_INBOX` (the shared inbox and every identity's own),
 * or a first-token wildcard, which matches those too.
 */
export function reachesSystemSubjects(pattern: string): boolean {
  const first = pattern.split('.')[0];
  return first === '*' || first === '>' || first.startsWith('$') || first.startsWith('_INBOX');
}

/**
 * The rules every allow list the fleet declares obeys (a service's, the
 * auth callout's): each entry a NATS subject, none reaching JetStream
 * management, none reaching the platform's own subjects. `at` is the
 * list's field path, e.g. `account.services[0].publish`.
 */
export function allowListRules(at: string, subjects: readonly string[]): { readonly failed: boolean; readonly message: string }[] {
  return subjects.flatMap((subject, j) => {
    const reached = managementSubjectsReached(subject);
    return [
      { failed: !isValidSubject(subject), message: `${at}[${j}] is "${subject}": not a NATS subject; tokens separated by '.', '*' or a final '>' as wildcards` },
      {
        failed: reached.length > 0,
        message: `${at}[${j}] is "${subject}": it grants JetStream management (${reached[0]}); no identity may hold $JS.>, $JS.API.>, $JS.API.STREAM.> or $JS.API.CONSUMER.>; list only the bucket-scoped subjects it needs`,
      },
      {
        failed: reached.length === 0 && isValidSubject(subject) && reachesSystemSubjects(subject),
        message:
          `${at}[${j}] is "${subject}": it reaches the platform's own subjects (JetStream and KV APIs, $SYS, the bucket's data, other identities' replies under _INBOX*); ` +
          'an allow list starts with an application token of its own, e.g. "billing.>"; the bucket is the agent\'s, and each identity gets its own reply inbox',
      },
    ];
  });
}
