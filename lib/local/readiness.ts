import type { LocalServer } from './supercluster';

/** What one server's monitoring endpoints say about its place in the supercluster. */
export interface ServerState {
  readonly up: boolean;
  readonly outbound: readonly string[];
  readonly inbound: readonly string[];
  readonly metaLeader?: string;
  /** The JetStream meta group's size as this server sees it (`/jsz` meta_cluster.cluster_size). */
  readonly metaClusterSize?: number;
}

async function getJson(url: string): Promise<Record<string, unknown> | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return response.ok ? ((await response.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function serverState(server: LocalServer): Promise<ServerState> {
  const base = server.monitorUrl;
  const [gatewayz, jsz] = await Promise.all([getJson(`${base}/gatewayz`), getJson(`${base}/jsz`)]);
  if (!gatewayz) return { up: false, outbound: [], inbound: [] };
  const meta = jsz?.meta_cluster as { leader?: string; cluster_size?: number } | undefined;
  return {
    up: true,
    outbound: Object.keys((gatewayz.outbound_gateways as object) ?? {}).sort(),
    inbound: Object.keys((gatewayz.inbound_gateways as object) ?? {}).sort(),
    metaLeader: meta?.leader || undefined,
    metaClusterSize: meta?.cluster_size,
  };
}

export interface RunningServer {
  readonly site: string;
  readonly state: ServerState;
}

/**
 * The running servers form one supercluster: every server has an outbound
 * gateway to every other running site, each site receives inbound gateways
 * from every other (each remote server dials one server of the site, so
 * inbound is a property of the site, not of each server), and all agree on
 * one JetStream meta leader (two leaders would be a split brain), and
 * every server counts every running server in the meta group: on 2.10 a
 * leader is elected before the last servers register as peers, and a
 * stream placed then is refused ("no suitable peers for placement").
 */
export function superclusterFormed(servers: readonly RunningServer[]): boolean {
  const sites = [...new Set(servers.map((s) => s.site))];
  const others = (site: string) => sites.filter((s) => s !== site);
  const leaders = new Set(servers.map((s) => s.state.metaLeader));
  return (
    servers.every((s) => s.state.up && others(s.site).every((o) => s.state.outbound.includes(o))) &&
    sites.every((site) => {
      const inbound = new Set(servers.filter((s) => s.site === site).flatMap((s) => s.state.inbound));
      return others(site).every((o) => inbound.has(o));
    }) &&
    leaders.size === 1 &&
    !leaders.has(undefined) &&
    servers.every((s) => (s.state.metaClusterSize ?? 0) >= servers.length)
  );
}

/** Polls until `check` holds or `timeoutMs` passes; the error says what was last seen. */
export async function waitFor<T>(what: string, probe: () => Promise<T>, check: (value: T) => boolean, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await probe();
  }
  return last;
}
