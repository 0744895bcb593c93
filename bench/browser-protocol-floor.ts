/**
 * The protocol floor of a browser follower write: the least a correct persisted Raft follower write must do
 * (hamok's message pattern, see `browser/page-protocol.ts`), written with raw `RTCDataChannel`s or
 * `BroadcastChannel`s and raw IndexedDB, no hamok code; beside it the old floor's components measured alone
 * and hamok's own figure, interleaved in the same browser session, with the ratios hamok / protocol floor and
 * target / protocol floor. Each run is one column, so the spread between runs is in the table.
 *
 *   npx tsx bench/browser-protocol-floor.ts [--tabs 7] [--runs 2] [--no-hamok] [--only "relaxed|strict"]
 *                                                   (re-runs itself inside a private network namespace)
 *
 * 3 tabs: leader, writing follower, other follower. 7 tabs: 5 voters (leader first) and 2 learners; writes come
 * from a voting follower and from a learner. Each tab has its own database; the `shared` rows put every tab's
 * store in one database instead; `default` durability passes no option.
 */
import type { CDPSession, Page } from "playwright-core";
import { startCluster } from "./browser/cluster";
import { measureFloors } from "./browser/floors";
import { type BenchBrowser, call, startBenchBrowser } from "./browser/harness";
import type { ProtocolSizes, ProtocolTabOptions } from "./browser/page-protocol";
import { summarise } from "./browser/stats";
import { writeLatencies } from "./browser-cluster-writes";
import { type BenchRow, runInNamespace } from "./namespace-bench";

const LATENCY_WRITES = 300;
const LATENCY_WARM_UP = 30;
const THROUGHPUT_WRITES = 5_000;
const IN_FLIGHT = 200;
/**
 * About what hamok sends for one small map write (a task of the demo's shape): a forwarded request, one log
 * entry in an append, and an ack or commit notice. Hamok's own frames carry more headers; these are the bytes
 * the floor must move at least.
 */
const SIZES: ProtocolSizes = { requestBytes: 150, entryBytes: 200, controlBytes: 40 };

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

const TABS = arg("--tabs", 3);
const RUNS = arg("--runs", 2);
const VOTERS = Math.min(TABS, 5);

interface Variant {
  readonly label: string;
  readonly transport: ProtocolTabOptions["transport"];
  readonly durability: ProtocolTabOptions["durability"];
  readonly layout: ProtocolTabOptions["layout"];
  readonly fast: boolean;
  /** Latency only (no throughput run). */
  readonly latencyOnly?: boolean;
}

function variants(transport: Variant["transport"]): Variant[] {
  const base = { transport, layout: "own" as const, fast: false };
  const list: Variant[] = [
    { ...base, label: "relaxed", durability: "relaxed" },
    { ...base, label: "relaxed, 1.5 RTT", durability: "relaxed", fast: true },
  ];
  if (transport === "broadcast") {
    list.push(
      { ...base, transport: "broadcast-shared", label: "relaxed, one shared channel", durability: "relaxed" },
      {
        ...base,
        transport: "broadcast-shared",
        label: "relaxed, one shared channel, 1.5 RTT",
        durability: "relaxed",
        fast: true,
      },
    );
  }
  if (transport === "rtc" && TABS === 3) {
    list.push(
      { ...base, label: "strict", durability: "strict" },
      { ...base, label: "strict, 1.5 RTT", durability: "strict", fast: true },
      { ...base, label: "default durability", durability: "default", latencyOnly: true },
      { ...base, label: "messages only, no IndexedDB (not a floor)", durability: "none" },
      { ...base, label: "relaxed, one shared database", durability: "relaxed", layout: "shared", latencyOnly: true },
    );
  }
  const only = process.argv.indexOf("--only");
  if (only < 0) return list;
  const wanted = (process.argv[only + 1] ?? "").split("|");
  return list.filter((variant) => wanted.includes(variant.label));
}

interface FloorTabs {
  readonly pages: readonly Page[];
  close(): Promise<void>;
}

/** Open the emulation's tabs and connect every pair with a raw data channel (the Node side carries the SDP). */
async function openFloorTabs(browser: BenchBrowser): Promise<FloorTabs> {
  const pages: Page[] = [];
  for (let i = 0; i < TABS; i++) pages.push(await browser.open());
  for (let i = 0; i < TABS; i++) {
    for (let j = i + 1; j < TABS; j++) {
      const offer = await call(pages[i]!, "protocolOffer", j);
      const answer = await call(pages[j]!, "protocolAnswer", i, offer);
      await call(pages[i]!, "protocolConnect", j, answer);
    }
  }
  await Promise.all(pages.map((page) => call(page, "protocolReady", TABS)));
  return {
    pages,
    close: async () => {
      for (const page of pages) await page.close();
    },
  };
}

function tabOptions(self: number, room: string, variant: Variant): ProtocolTabOptions {
  return {
    self,
    tabs: TABS,
    leader: 0,
    voters: Array.from({ length: VOTERS }, (_, i) => i),
    transport: variant.transport,
    durability: variant.durability,
    layout: variant.layout,
    room,
    fast: variant.fast,
  };
}

let runs = 0;

/** A progress line on stderr (the table goes to stdout at the end). */
function progress(step: string): void {
  console.error(`${new Date().toISOString().slice(11, 19)} ${step}`);
}

/** One variant from tab `writer`: sequential p50/p99, then (unless latency only) writes/s with 200 in flight. */
async function emulate(tabs: FloorTabs, variant: Variant, writer: number): Promise<Record<string, number>> {
  const room = `run-${Date.now().toString(36)}-${runs++}`;
  progress(`floor ${variant.transport} ${variant.label}, writer ${writer}`);
  for (let i = 0; i < TABS; i++) {
    await call(tabs.pages[i]!, "protocolSetup", tabOptions(i, room, variant), SIZES);
    await call(tabs.pages[i]!, "protocolWriter", writer);
  }
  const page = tabs.pages[writer]!;
  const latency = summarise(await call(page, "protocolLatencies", LATENCY_WRITES, LATENCY_WARM_UP));
  const saves = await Promise.all(tabs.pages.map((tab) => call(tab, "protocolSaveTimes")));
  const figures: Record<string, number> = { p50: latency.p50, p99: latency.p99 };
  if (variant.durability !== "none") {
    figures.leaderSave = summarise(saves[0]!).p50;
    figures.writerSave = summarise(saves[writer]!).p50;
  }
  if (variant.latencyOnly !== true) {
    const { ms, busyUs } = await busyPerWrite(tabs.pages, THROUGHPUT_WRITES, () =>
      call(page, "protocolThroughput", THROUGHPUT_WRITES, IN_FLIGHT),
    );
    figures.perSecond = THROUGHPUT_WRITES / (ms / 1000);
    figures.busyUs = busyUs;
  }
  for (const tab of tabs.pages) await call(tab, "protocolRelease");
  await call(tabs.pages[0]!, "protocolDelete", room, TABS);
  return figures;
}

/** Sequential transactions in one tab alone, then in every tab at the same time (p50 ms). */
async function concurrentTransactions(
  tabs: FloorTabs,
  durability: "relaxed" | "strict",
): Promise<{ alone: number; together: number }> {
  const room = `tx-${Date.now().toString(36)}-${runs++}`;
  const variant: Variant = { label: "", transport: "rtc", durability, layout: "own", fast: false };
  for (let i = 0; i < TABS; i++) await call(tabs.pages[i]!, "protocolSetup", tabOptions(i, room, variant), SIZES);
  const alone = summarise((await call(tabs.pages[0]!, "protocolTransactions", 300)).slice(30)).p50;
  const each = await Promise.all(tabs.pages.map((tab) => call(tab, "protocolTransactions", 300)));
  const together = summarise(each.flatMap((samples) => samples.slice(30))).p50;
  for (const tab of tabs.pages) await call(tab, "protocolRelease");
  await call(tabs.pages[0]!, "protocolDelete", room, TABS);
  return { alone, together };
}

const sessions = new WeakMap<Page, CDPSession>();

/** Each tab's main-thread busy time so far (CDP `Performance` metric `TaskDuration`), in ms. */
async function busyMs(pages: readonly Page[]): Promise<number[]> {
  return Promise.all(
    pages.map(async (page) => {
      let session = sessions.get(page);
      if (session === undefined) {
        session = await page.context().newCDPSession(page);
        await session.send("Performance.enable");
        sessions.set(page, session);
      }
      const { metrics } = await session.send("Performance.getMetrics");
      return 1000 * (metrics.find((metric) => metric.name === "TaskDuration")?.value ?? Number.NaN);
    }),
  );
}

/** Run `writes` and return the main-thread time all `pages` spent per write, in µs. */
async function busyPerWrite(
  pages: readonly Page[],
  writes: number,
  run: () => Promise<number>,
): Promise<{
  ms: number;
  busyUs: number;
}> {
  const before = await busyMs(pages);
  const ms = await run();
  const after = await busyMs(pages);
  let busy = 0;
  for (let i = 0; i < pages.length; i++) busy += after[i]! - before[i]!;
  return { ms, busyUs: (1000 * busy) / writes };
}

type Column = Map<string, number>;

function put(column: Column, name: string, value: number | undefined): void {
  if (value !== undefined) column.set(name, value);
}

async function oneRun(browser: BenchBrowser, tabs: FloorTabs, transport: Variant["transport"]): Promise<Column> {
  const column: Column = new Map();
  const floors = await measureFloors(browser);
  const rtt = transport === "rtc" ? floors.rtcRtt.p50 : floors.broadcastRtt.p50;
  put(column, "old floor: raw round trip, p50", rtt);
  put(column, "old floor: one IndexedDB transaction alone, relaxed, p50", floors.idbRelaxed.p50);
  if (transport === "rtc") put(column, "old floor: one IndexedDB transaction alone, strict, p50", floors.idbStrict.p50);
  put(column, "old floor: 2 RTT + 1 relaxed transaction", 2 * rtt + floors.idbRelaxed.p50);
  if (transport === "rtc") {
    for (const durability of ["relaxed", "strict"] as const) {
      const transactions = await concurrentTransactions(tabs, durability);
      put(column, `IndexedDB ${durability}, 1 tab alone, p50`, transactions.alone);
      put(column, `IndexedDB ${durability}, ${TABS} tabs at once, p50 of each`, transactions.together);
    }
  }
  const writers: [string, number][] =
    TABS === 3
      ? [["", 1]]
      : [
          ["voter ", 1],
          ["learner ", VOTERS],
        ];
  for (const variant of variants(transport)) {
    for (const [who, writer] of writers) {
      const figures = await emulate(tabs, variant, writer);
      put(column, `protocol floor, ${who}${variant.label}: p50`, figures.p50);
      put(column, `protocol floor, ${who}${variant.label}: p99`, figures.p99);
      put(column, `protocol floor, ${who}${variant.label}: leader's save p50`, figures.leaderSave);
      put(column, `protocol floor, ${who}${variant.label}: writer's save p50`, figures.writerSave);
      put(column, `protocol floor, ${who}${variant.label}: writes/s, ${IN_FLIGHT} in flight`, figures.perSecond);
      put(column, `protocol floor, ${who}${variant.label}: main-thread µs per write, all tabs`, figures.busyUs);
    }
  }
  if (process.argv.includes("--no-hamok")) return column;
  const hamokTransport = transport === "rtc" ? "webrtc" : "zero-config";
  const durabilities = transport === "rtc" && TABS === 3 ? (["relaxed", "strict"] as const) : (["relaxed"] as const);
  for (const durability of durabilities) {
    progress(`hamok ${hamokTransport} ${durability}`);
    const cluster = await startCluster(browser, TABS, { transport: hamokTransport, durability });
    try {
      if (TABS === 3) {
        const follower = cluster.followers[0]!;
        const latency = await writeLatencies(follower);
        const { ms, busyUs } = await busyPerWrite(cluster.pages, THROUGHPUT_WRITES, () =>
          call(follower, "throughput", "throughput", THROUGHPUT_WRITES, IN_FLIGHT),
        );
        put(column, `hamok, ${durability}: p50`, latency.p50);
        put(column, `hamok, ${durability}: p99`, latency.p99);
        put(column, `hamok, ${durability}: writes/s, ${IN_FLIGHT} in flight`, THROUGHPUT_WRITES / (ms / 1000));
        put(column, `hamok, ${durability}: main-thread µs per write, all tabs`, busyUs);
      } else {
        const voter = await writeLatencies(cluster.followers[0]!, "voter");
        const learner = await writeLatencies(cluster.learners[0]!, "learner");
        put(column, `hamok, voter ${durability}: p50`, voter.p50);
        put(column, `hamok, voter ${durability}: p99`, voter.p99);
        put(column, `hamok, learner ${durability}: p50`, learner.p50);
        put(column, `hamok, learner ${durability}: p99`, learner.p99);
      }
    } finally {
      await cluster.stop();
    }
  }
  return column;
}

/** Ratio rows: hamok / protocol floor and target / protocol floor, per run. */
function ratios(column: Column, transport: Variant["transport"]): void {
  const ratio = (name: string, top: number | undefined, bottom: number | undefined) => {
    if (top !== undefined && bottom !== undefined && bottom > 0) column.set(name, top / bottom);
  };
  const f = (name: string) => column.get(name);
  if (TABS === 3) {
    const durabilities = transport === "rtc" ? ["relaxed", "strict"] : ["relaxed"];
    for (const d of durabilities) {
      ratio(`x: hamok / protocol floor, ${d} p50`, f(`hamok, ${d}: p50`), f(`protocol floor, ${d}: p50`));
      ratio(
        `x: hamok / protocol floor, ${d} writes/s`,
        f(`hamok, ${d}: writes/s, ${IN_FLIGHT} in flight`),
        f(`protocol floor, ${d}: writes/s, ${IN_FLIGHT} in flight`),
      );
    }
    const p50Target = transport === "rtc" ? 2.5 : 2;
    const rateTarget = transport === "rtc" ? 15_000 : 20_000;
    ratio(`x: target p50 ${p50Target} ms / protocol floor p50`, p50Target, f("protocol floor, relaxed: p50"));
    ratio(`x: target p50 ${p50Target} ms / 1.5-RTT floor p50`, p50Target, f("protocol floor, relaxed, 1.5 RTT: p50"));
    if (transport === "rtc") ratio("x: target p99 10 ms / protocol floor p99", 10, f("protocol floor, relaxed: p99"));
    ratio(
      `x: target ${rateTarget} writes/s / protocol floor writes/s`,
      rateTarget,
      f(`protocol floor, relaxed: writes/s, ${IN_FLIGHT} in flight`),
    );
  } else {
    for (const who of ["voter", "learner"]) {
      ratio(
        `x: hamok / protocol floor, ${who} p50`,
        f(`hamok, ${who} relaxed: p50`),
        f(`protocol floor, ${who} relaxed: p50`),
      );
      ratio(`x: target p50 4 ms / protocol floor, ${who} p50`, 4, f(`protocol floor, ${who} relaxed: p50`));
      ratio(`x: target p50 4 ms / 1.5-RTT floor, ${who} p50`, 4, f(`protocol floor, ${who} relaxed, 1.5 RTT: p50`));
    }
  }
}

function format(value: number | undefined, name: string): string {
  if (value === undefined) return "-";
  if (name.startsWith("x:")) return `${value.toFixed(2)}x`;
  return value >= 1000 ? Math.round(value).toLocaleString("en-US") : value.toFixed(2);
}

function printTable(title: string, columns: readonly Column[]): void {
  const names: string[] = [];
  for (const column of columns) for (const name of column.keys()) if (!names.includes(name)) names.push(name);
  const width = Math.max(...names.map((name) => name.length));
  console.log(`\n${title} (ms unless writes/s; one column per run)\n`);
  console.log(`${"measurement".padEnd(width)} | ${columns.map((_, i) => `run ${i + 1}`.padStart(8)).join(" | ")}`);
  console.log(`${"-".repeat(width)}-|-${columns.map(() => "-".repeat(8)).join("-|-")}`);
  for (const name of names) {
    console.log(`${name.padEnd(width)} | ${columns.map((c) => format(c.get(name), name).padStart(8)).join(" | ")}`);
  }
}

async function run(): Promise<BenchRow[]> {
  const browser = await startBenchBrowser();
  try {
    const tabs = await openFloorTabs(browser);
    const byTransport = new Map<Variant["transport"], Column[]>([
      ["rtc", []],
      ["broadcast", []],
    ]);
    for (let i = 0; i < RUNS; i++) {
      for (const [transport, columns] of byTransport) {
        const column = await oneRun(browser, tabs, transport);
        ratios(column, transport);
        columns.push(column);
      }
    }
    await tabs.close();
    const shape = TABS === 3 ? "3 tabs" : `${TABS} tabs (${VOTERS} voters + ${TABS - VOTERS} learners)`;
    printTable(`${shape}, raw RTCDataChannel + IndexedDB`, byTransport.get("rtc")!);
    printTable(`${shape}, BroadcastChannel + IndexedDB`, byTransport.get("broadcast")!);
    console.log("");
    return [{ name: "runs (columns above)", value: RUNS, unit: "" }];
  } finally {
    await browser.close();
  }
}

runInNamespace(import.meta.url, "protocol floor of a follower write (raw primitives) beside hamok", run, 1_500_000);
