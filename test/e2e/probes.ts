import type { NatsConnection } from '@nats-io/transport-node';

/** A subscription the server refuses: the error it reports, within a bound. */
export async function subscribeRefused(nc: NatsConnection, subject: string): Promise<string> {
  const sub = nc.subscribe(subject);
  const outcome = (async () => {
    try {
      for await (const _ of sub) return 'a message arrived';
      return 'closed without error';
    } catch (e) {
      return (e as Error).message;
    }
  })();
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('no refusal within 5 s'), 5000));
  return Promise.race([outcome, timeout]);
}
