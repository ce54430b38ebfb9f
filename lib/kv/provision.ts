import { jetstreamManager } from '@nats-io/jetstream';
import type { StreamConfig } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Fleet } from '../../config/types';
import type { StreamConfigJson } from './stream-configs';
import { bucketStreams } from './stream-configs';

export type ProvisionAction = 'created' | 'updated' | 'unchanged';

/**
 * The fields we set whose live value differs. The server reports defaults
 * we did not set too: compare only what we own (the script's jq does the same).
 */
export function differingFields(wanted: StreamConfigJson, actual: Record<string, unknown>): string[] {
  return Object.entries(wanted)
    .filter(([key, value]) => JSON.stringify(actual[key]) !== JSON.stringify(value))
    .map(([key]) => key);
}

const differs = (wanted: StreamConfigJson, actual: Record<string, unknown>): boolean => differingFields(wanted, actual).length > 0;

/**
 * Makes the bucket's streams match the fleet, idempotently, with the
 * provisioning identity's connection: creates a missing stream, updates one
 * whose limits changed, leaves the rest alone. `sites` limits it to the
 * streams living in those sites (a site stack provisions its own part).
 */
export async function provisionBucket(nc: NatsConnection, fleet: Fleet, sites?: readonly string[]): Promise<Map<string, ProvisionAction>> {
  const jsm = await jetstreamManager(nc);
  const results = new Map<string, ProvisionAction>();
  for (const { site, config } of bucketStreams(fleet)) {
    if (sites && !sites.includes(site)) continue;
    let current: Record<string, unknown> | undefined;
    try {
      current = (await jsm.streams.info(config.name)).config as unknown as Record<string, unknown>;
    } catch (e) {
      if (!/not found/i.test(String(e))) throw e;
    }
    if (!current) {
      await jsm.streams.add(config as unknown as Partial<StreamConfig> & { name: string });
      results.set(config.name, 'created');
    } else if (differs(config, current)) {
      await jsm.streams.update(config.name, config as unknown as Partial<StreamConfig>);
      results.set(config.name, 'updated');
    } else {
      results.set(config.name, 'unchanged');
    }
  }
  return results;
}
