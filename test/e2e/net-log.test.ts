import { describe, expect, it } from "vitest";
import { netLogViolations, parseNetLog } from "../../e2e/net-log";

/** A net-log in Chromium's format: constants name the event types, events refer to them by number. */
function netLog(events: ReadonlyArray<[string, number, Record<string, unknown>]>, terminated = true): string {
  const names = [...new Set(events.map(([name]) => name))];
  const logEventTypes = Object.fromEntries(names.map((name, index) => [name, index + 100]));
  const lines = events.map(([name, source, params]) =>
    JSON.stringify({ type: logEventTypes[name], source: { id: source, type: 1 }, phase: 0, params }),
  );
  const head = `{"constants":${JSON.stringify({ logEventTypes })},\n"events": [\n`;
  return terminated ? `${head}${lines.join(",\n")}\n]}` : `${head}${lines.join(",\n")},\n`;
}

const HOME: ReadonlyArray<[string, number, Record<string, unknown>]> = [
  ["URL_REQUEST_START_JOB", 1, { url: "http://localhost:4173/", method: "GET" }],
  ["HOST_RESOLVER_MANAGER_REQUEST", 2, { host: "http://localhost:4173" }],
  ["TCP_CONNECT_ATTEMPT", 3, { address: "[::1]:4173" }],
  ["TCP_CONNECT_ATTEMPT", 4, { address: "127.0.0.1:8787" }],
  ["SOCKET_BYTES_SENT", 4, { byte_count: 120 }],
  ["UDP_BYTES_SENT", 5, { address: "10.77.0.2:40205", byte_count: 90 }],
  // Blocked by --host-resolver-rules: the request starts, the resolver only ever sees the sink.
  ["URL_REQUEST_START_JOB", 6, { url: "https://update.googleapis.com/service/update2/json" }],
  ["HOST_RESOLVER_MANAGER_REQUEST", 7, { host: "https://~notfound" }],
  // The IPv6 reachability probe: a UDP connect sends nothing.
  ["UDP_CONNECT", 8, { address: "[2001:4860:4860::8888]:443" }],
];

describe("net-log reader", () => {
  it("a run that stayed on loopback and the namespace has no violations, and its blocked requests are listed", () => {
    const summary = parseNetLog(netLog(HOME));
    expect(summary).toEqual({
      lookedUp: ["localhost", "~notfound"],
      contacted: ["10.77.0.2", "127.0.0.1", "::1"],
      requested: ["localhost", "update.googleapis.com"],
    });
    expect(netLogViolations(summary, { addressPrefixes: ["10.77.0."] })).toEqual({ lookedUp: [], contacted: [] });
  });

  it("names a host that was looked up through the resolver or DNS", () => {
    const summary = parseNetLog(
      netLog([
        ...HOME,
        ["HOST_RESOLVER_MANAGER_JOB", 9, { host: "https://accounts.google.com" }],
        ["DNS_TRANSACTION", 10, { hostname: "clients2.google.com", query_type: 1 }],
      ]),
    );
    expect(netLogViolations(summary, { addressPrefixes: ["10.77.0."] })).toEqual({
      lookedUp: ["accounts.google.com", "clients2.google.com"],
      contacted: [],
    });
  });

  it("names an address contacted over TCP, by a UDP datagram, or by bytes sent on a connected UDP socket", () => {
    const summary = parseNetLog(
      netLog([
        ...HOME,
        ["TCP_CONNECT_ATTEMPT", 11, { address: "142.250.1.1:443" }],
        ["UDP_BYTES_SENT", 12, { address: "10.255.255.53:53", byte_count: 40 }],
        ["UDP_CONNECT", 13, { address: "[2001:4860:4860::8844]:443" }],
        ["UDP_BYTES_SENT", 13, { byte_count: 1200 }],
      ]),
    );
    expect(netLogViolations(summary, { addressPrefixes: ["10.77.0."] }).contacted).toEqual([
      "10.255.255.53",
      "142.250.1.1",
      "2001:4860:4860::8844",
    ]);
  });

  it("the namespace addresses count only when allowed", () => {
    expect(netLogViolations(parseNetLog(netLog(HOME))).contacted).toEqual(["10.77.0.2"]);
  });

  it("reads the complete events of a log whose browser was killed before closing it", () => {
    const cut = netLog([...HOME, ["DNS_TRANSACTION", 14, { hostname: "example.org" }]], false);
    expect(parseNetLog(cut).lookedUp).toContain("example.org");
    const cutInsideAnEvent = `${cut}{"type": 100, "source": {"id": 15`;
    expect(parseNetLog(cutInsideAnEvent).lookedUp).toContain("example.org");
  });

  it("refuses text that is not a net-log", () => {
    expect(() => parseNetLog('{"events": []}')).toThrow(/logEventTypes/);
    expect(() => parseNetLog("nothing here")).toThrow(/not a Chromium net-log/);
  });
});
