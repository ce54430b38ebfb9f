import type { NatsConnection } from '@nats-io/transport-node';

/*
 * The JetStream API as raw requests. Raw, not nats.js' JetStreamManager:
 * its `streams.update` merges the server's current config into the request,
 * so it cannot remove a field (`sources`, `mirror`), and it sends requests
 * of its own (STREAM.INFO) an identity may not be allowed.
 */

/** A JetStream API error as the server reports it. */
export class JsApiError extends Error {
  constructor(
    readonly subject: string,
    readonly code: number,
    readonly errCode: number,
    readonly description: string,
  ) {
    super(`${subject}: ${description} (${code}/${errCode})`);
    this.name = 'JsApiError';
  }
}

/** JetStream API error codes used here (nats-server errors.json). */
export const JS_ERR = { streamNotFound: 10059, streamOffline: 10118, mirrorNotUpdatable: 10055, noSuitablePeers: 10005 } as const;

export const isNotFound = (e: unknown): boolean => e instanceof JsApiError && e.errCode === JS_ERR.streamNotFound;
export const isOffline = (e: unknown): boolean => e instanceof JsApiError && (e.errCode === JS_ERR.streamOffline || /offline/i.test(e.description));
/** No meta leader yet, or no server answering: worth retrying until a deadline. */
export const isTransient = (e: unknown): boolean =>
  !(e instanceof JsApiError) && /timeout|no responders|503/i.test(`${(e as Error)?.name} ${(e as Error)?.message} ${String((e as { cause?: unknown })?.cause ?? '')}`);

const decoder = new TextDecoder();

/**
 * One raw JetStream API request. Raw, not nats.js' JetStreamManager: its
 * `streams.update` merges the server's current config into the request, so
 * it cannot remove `sources` (nor any other field).
 */
export async function jsApi<T = Record<string, unknown>>(nc: NatsConnection, api: string, body: unknown = {}, timeoutMs = 5000): Promise<T> {
  const subject = `$JS.API.${api}`;
  const reply = await nc.request(subject, JSON.stringify(body), { timeout: timeoutMs });
  const data = JSON.parse(decoder.decode(reply.data)) as { error?: { code: number; err_code: number; description: string } };
  if (data.error) throw new JsApiError(subject, data.error.code, data.error.err_code, data.error.description);
  return data as T;
}

