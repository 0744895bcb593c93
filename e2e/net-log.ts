/**
 * Reads a Chromium net-log (`--log-net-log=<file>`, the JSON that chrome://net-export writes) and says which hosts
 * the browser looked up and which addresses it contacted, so a test can prove that a browser run talked to nothing
 * but loopback and the private network namespace (the machine's network rule, DESIGN.md section 6).
 *
 * What counts, by event (names from the log's own `constants.logEventTypes`):
 * - looked up: the `host` of `HOST_RESOLVER_*` events, the `hostname` of `DNS_TRANSACTION`;
 * - contacted: the `address` of `TCP_CONNECT_ATTEMPT` (a SYN leaves), of `UDP_BYTES_SENT` (a datagram leaves: QUIC,
 *   DNS, WebRTC) and of `SOCKET_BYTES_SENT` on a socket whose connect named it;
 * - requested: the URL of `URL_REQUEST_START_JOB`. A request for a host that `--host-resolver-rules` maps to
 *   `~NOTFOUND` ends before any lookup or packet, so requests are reported but judged only through the two above.
 *
 * A `UDP_CONNECT` alone sends nothing (connect on a datagram socket only picks a route): Chromium's IPv6 reachability
 * probe connects a UDP socket to a public address at start-up, and that is not contact.
 */

/** What a net-log shows the browser did on the network. */
export interface NetLogSummary {
  /** Host names given to the host resolver or to DNS, without scheme or port. */
  readonly lookedUp: readonly string[];
  /** Addresses (IP, without port) a packet was sent to. */
  readonly contacted: readonly string[];
  /** Hosts of URL requests the browser started, whether or not they got anywhere. */
  readonly requested: readonly string[];
}

/** Hosts and addresses a test may reach: loopback, the rules' `~NOTFOUND` sink, and the listed extra prefixes. */
export interface NetLogAllowance {
  /** Address prefixes besides loopback, e.g. `10.77.0.` for the namespace's veth pair. */
  readonly addressPrefixes?: readonly string[];
}

/** The looked-up hosts and contacted addresses outside the allowance (empty when the run stayed at home). */
export interface NetLogViolations {
  readonly lookedUp: readonly string[];
  readonly contacted: readonly string[];
}

interface RawEvent {
  readonly type?: unknown;
  readonly source?: { readonly id?: unknown };
  readonly params?: Record<string, unknown>;
}

/**
 * Parse a net-log's text. A browser that was killed (or is still running) leaves the events array unterminated; the
 * complete events before the cut are read.
 */
export function parseNetLog(text: string): NetLogSummary {
  const log = parseTolerant(text);
  const names = eventNames(log.constants);
  const lookedUp = new Set<string>();
  const contacted = new Set<string>();
  const requested = new Set<string>();
  const connectedTo = new Map<unknown, string>();
  for (const event of log.events) {
    const name = names.get(event.type);
    const params = event.params ?? {};
    if (name === undefined) continue;
    if (name.startsWith("HOST_RESOLVER") && typeof params.host === "string") lookedUp.add(hostOf(params.host));
    if (name === "DNS_TRANSACTION" && typeof params.hostname === "string") lookedUp.add(hostOf(params.hostname));
    if (name === "URL_REQUEST_START_JOB" && typeof params.url === "string") requested.add(hostOf(params.url));
    if (name === "TCP_CONNECT_ATTEMPT" && typeof params.address === "string") {
      contacted.add(addressOf(params.address));
      connectedTo.set(event.source?.id, addressOf(params.address));
    }
    if (name === "UDP_CONNECT" && typeof params.address === "string") {
      connectedTo.set(event.source?.id, addressOf(params.address));
    }
    if (name === "UDP_BYTES_SENT") {
      const target = typeof params.address === "string" ? addressOf(params.address) : connectedTo.get(event.source?.id);
      if (target !== undefined) contacted.add(target);
    }
    if (name === "SOCKET_BYTES_SENT") {
      const target = connectedTo.get(event.source?.id);
      if (target !== undefined) contacted.add(target);
    }
  }
  return { lookedUp: [...lookedUp].sort(), contacted: [...contacted].sort(), requested: [...requested].sort() };
}

/** What in a summary lies outside loopback, `~NOTFOUND` and the allowed prefixes. */
export function netLogViolations(summary: NetLogSummary, allowance: NetLogAllowance = {}): NetLogViolations {
  const prefixes = allowance.addressPrefixes ?? [];
  const allowedAddress = (address: string) => isLoopback(address) || prefixes.some((p) => address.startsWith(p));
  const allowedHost = (host: string) => host === "~notfound" || host === "localhost" || allowedAddress(host);
  return {
    lookedUp: summary.lookedUp.filter((host) => !allowedHost(host)),
    contacted: summary.contacted.filter((address) => !allowedAddress(address)),
  };
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1" || address === "0:0:0:0:0:0:0:1";
}

function parseTolerant(text: string): { constants: unknown; events: RawEvent[] } {
  const trimmed = text.trim();
  for (const candidate of [trimmed, `${trimmed.replace(/,$/, "")}]}`, `${trimmed.replace(/,$/, "")}}`]) {
    try {
      const parsed = JSON.parse(candidate) as { constants?: unknown; events?: unknown };
      return { constants: parsed.constants, events: Array.isArray(parsed.events) ? (parsed.events as RawEvent[]) : [] };
    } catch {
      // Try the next way of closing an unterminated log.
    }
  }
  // A log cut inside an event: drop the partial event and close the array.
  const lastComplete = trimmed.lastIndexOf("},\n");
  if (lastComplete > 0) return parseTolerant(`${trimmed.slice(0, lastComplete + 1)}]}`);
  throw new Error("net-log: not a Chromium net-log (no JSON object with constants and events)");
}

function eventNames(constants: unknown): Map<unknown, string> {
  const types = (constants as { logEventTypes?: Record<string, unknown> } | undefined)?.logEventTypes;
  if (types === undefined || typeof types !== "object") throw new Error("net-log: constants.logEventTypes is missing");
  return new Map(Object.entries(types).map(([name, id]) => [id, name]));
}

/** `https://host:443`, `host:80` or `host` to `host` (lower case, IPv6 brackets removed). */
function hostOf(value: string): string {
  const withScheme = /^[a-z][\w+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  try {
    return new URL(withScheme).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  } catch {
    return value.toLowerCase();
  }
}

/** `1.2.3.4:443` or `[::1]:443` to the bare address. */
function addressOf(value: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const ipv4 = /^(\d+\.\d+\.\d+\.\d+)(?::\d+)?$/.exec(value);
  return ipv4?.[1] ?? value;
}
