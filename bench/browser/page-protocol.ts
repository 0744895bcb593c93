/**
 * The protocol floor of a persisted Raft follower write, written with raw primitives and nothing of hamok: each
 * tab of a small cluster plays leader, voting follower or learner over raw `RTCDataChannel`s (ordered,
 * reliable: simple-peer's default, which hamok's peer-link uses) or over `BroadcastChannel`, and persists to
 * its own IndexedDB database (or to its own object store of one shared database). A write is exactly hamok's
 * message pattern today:
 *
 *   writer W --request--> leader L; L sends the entry to every follower and learner and starts its own put;
 *   each follower puts the entry and, once the transaction's `complete` fired, acks to L; L, once its own put
 *   completed and the acks make a majority of voters, sends the commit index to everyone; W resolves.
 *
 * In the `fast` variant ("1.5 RTT") every voter also acks straight to W, which resolves as soon as its own save
 * (when it votes) and the acks it holds make a majority, or the commit notice arrives, whichever is first.
 *
 * Batching is hamok's driver's: what a tab has to do within one turn of its event loop becomes one message per
 * peer and one IndexedDB transaction (one `put` of all the turn's entries); a save queued behind the one in
 * flight waits and merges with later ones. That is the fair floor for throughput.
 */

import { meshChannel, onMeshMessage } from "./page-protocol-mesh.js";
import { concat, filler } from "./protocol-bytes.js";

/** How a tab plays its part. */
export interface ProtocolTabOptions {
  readonly self: number;
  readonly tabs: number;
  readonly leader: number;
  /** Tabs that vote (the leader included); the others are learners. */
  readonly voters: readonly number[];
  /**
   * `rtc`: a raw data channel per pair; `broadcast`: a BroadcastChannel inbox per tab, a post per destination;
   * `broadcast-shared`: one BroadcastChannel for all, one post per turn carrying every destination's records,
   * each receiver skipping the records not addressed to it (what hamok's BroadcastChannel transport does).
   */
  readonly transport: "rtc" | "broadcast" | "broadcast-shared";
  /**
   * `relaxed`, `strict` or `default` (the browser's default, no option passed); `none` skips IndexedDB (a save
   * is "durable" at the end of its turn): not a correct floor, the messages' share of it.
   */
  readonly durability: "relaxed" | "strict" | "default" | "none";
  /** `own`: one database per tab; `shared`: one database, one object store per tab. */
  readonly layout: "own" | "shared";
  /** Names the databases and channels of this run. */
  readonly room: string;
  /** Voters ack straight to the writer too (the "1.5 RTT" variant). */
  readonly fast: boolean;
}

/** Bytes of each kind of record, about what hamok sends for a small map write (see `browser-protocol-floor.ts`). */
export interface ProtocolSizes {
  readonly requestBytes: number;
  readonly entryBytes: number;
  readonly controlBytes: number;
}

const REQUEST = 1;
const APPEND = 2;
const ACK = 3;
const COMMIT = 4;
/** type u8, from u8, a u32, b u32, c u32, d u32, body length u32, to u8, then the body. */
const HEADER = 23;

let options: ProtocolTabOptions | undefined;
let sizes: ProtocolSizes = { requestBytes: 150, entryBytes: 200, controlBytes: 40 };
const broadcastSenders = new Map<number, BroadcastChannel>();
let inbox: BroadcastChannel | undefined;
let shared: BroadcastChannel | undefined;
const outboxes = new Map<number, Uint8Array[]>();
let flushScheduled = false;
let db: IDBDatabase | undefined;
let store = "log";

// Log and save queue (every tab).
let lastIndex = 0;
let durableIndex = 0;
let pendingEntries: Uint8Array[] = [];
let pendingLast = 0;
let saving = false;
let commitIndex = 0;
/** How long each transaction of this run took, from `transaction()` to `complete`, in ms. */
const saveSamples: number[] = [];
// Leader.
const matchIndex = new Map<number, number>();
// Writer.
let nextRequestId = 1;
let queuedRequests = 0;
let firstQueuedRequest = 0;
const waiting = new Map<number, () => void>();
/** Requests whose index is known, in index order (one writer, ordered channels). */
const known: { id: number; index: number }[] = [];
const writerAcks = new Map<number, number>();

function opts(): ProtocolTabOptions {
  if (options === undefined) throw new Error("protocolSetup first");
  return options;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function closeRun(): void {
  inbox?.close();
  inbox = undefined;
  shared?.close();
  shared = undefined;
  for (const out of broadcastSenders.values()) out.close();
  broadcastSenders.clear();
  db?.close();
  db = undefined;
}

/**
 * Reset this tab and take its part for one run: fresh log state, its store opened (in the `shared` layout the
 * first tab to open the database creates every tab's store), its BroadcastChannel inbox. Raw channels stay.
 */
export async function protocolSetup(tab: ProtocolTabOptions, recordSizes: ProtocolSizes): Promise<void> {
  closeRun();
  onMeshMessage(receive);
  options = tab;
  sizes = recordSizes;
  lastIndex = durableIndex = pendingLast = commitIndex = 0;
  pendingEntries = [];
  saving = false;
  saveSamples.length = 0;
  matchIndex.clear();
  nextRequestId = 1;
  queuedRequests = firstQueuedRequest = 0;
  waiting.clear();
  known.length = 0;
  writerAcks.clear();
  const name = tab.layout === "own" ? `floor-${tab.room}-${tab.self}` : `floor-${tab.room}`;
  store = tab.layout === "own" ? "log" : `log-${tab.self}`;
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => {
    const count = tab.layout === "own" ? 1 : tab.tabs;
    for (let i = 0; i < count; i++) open.result.createObjectStore(tab.layout === "own" ? "log" : `log-${i}`);
  };
  db = await request(open);
  if (tab.transport === "broadcast-shared") {
    shared = new BroadcastChannel(`floor-${tab.room}-all`);
    shared.onmessage = (event: MessageEvent<Uint8Array>) => receive(event.data);
  }
  if (tab.transport === "broadcast") {
    inbox = new BroadcastChannel(`floor-${tab.room}-to-${tab.self}`);
    inbox.onmessage = (event: MessageEvent<Uint8Array>) => receive(event.data);
    for (let i = 0; i < tab.tabs; i++) {
      if (i !== tab.self) broadcastSenders.set(i, new BroadcastChannel(`floor-${tab.room}-to-${i}`));
    }
  }
}

/**
 * IndexedDB with nothing else on the path: `rounds` sequential transactions on this tab's store, each one put
 * of one entry's bytes, with this run's durability; ms each. Run in several tabs at once, it shows what the
 * other tabs' transactions cost this one.
 */
export async function protocolTransactions(rounds: number): Promise<number[]> {
  const tab = opts();
  const base = db;
  if (base === undefined) throw new Error("protocolSetup first");
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const tx = transaction(base, tab.durability);
      tx.objectStore(store).put(filler(sizes.entryBytes), i % 16);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    samples.push(performance.now() - started);
  }
  return samples;
}

/** The durations of this tab's transactions since the last call (or setup), in ms; clears them. */
export function protocolSaveTimes(): number[] {
  return saveSamples.splice(0);
}

/** End this tab's run: close its database and BroadcastChannels; the raw channels stay for the next run. */
export function protocolRelease(): void {
  closeRun();
}

/** Delete this run's databases that this tab may have created. */
export async function protocolDelete(room: string, tabs: number): Promise<void> {
  closeRun();
  await request(indexedDB.deleteDatabase(`floor-${room}`));
  for (let i = 0; i < tabs; i++) await request(indexedDB.deleteDatabase(`floor-${room}-${i}`));
}

function queue(to: number, type: number, a: number, b: number, c: number, d: number, bodyBytes: number): void {
  const record = new Uint8Array(HEADER + bodyBytes);
  const view = new DataView(record.buffer);
  view.setUint8(0, type);
  view.setUint8(1, opts().self);
  view.setUint32(2, a);
  view.setUint32(6, b);
  view.setUint32(10, c);
  view.setUint32(14, d);
  view.setUint32(18, bodyBytes);
  view.setUint8(22, to);
  let list = outboxes.get(to);
  if (list === undefined) {
    list = [];
    outboxes.set(to, list);
  }
  if (bodyBytes > 0) record.set(filler(bodyBytes), HEADER);
  list.push(record);
  scheduleFlush();
}

function scheduleFlush(): void {
  if (flushScheduled) return;
  flushScheduled = true;
  queueMicrotask(flush);
}

/** The end of a turn: one message per peer, then (if none is in flight) one transaction of the turn's entries. */
function flush(): void {
  flushScheduled = false;
  if (opts().transport === "broadcast-shared") {
    const all: Uint8Array[] = [];
    for (const records of outboxes.values()) all.push(...records.splice(0));
    if (all.length > 0) shared?.postMessage(concat(all));
    startSave();
    return;
  }
  for (const [to, records] of outboxes) {
    if (records.length === 0) continue;
    const message = concat(records.splice(0));
    if (opts().transport === "rtc") meshChannel(to)?.send(message);
    else broadcastSenders.get(to)?.postMessage(message);
  }
  startSave();
}

function transaction(base: IDBDatabase, durability: ProtocolTabOptions["durability"]): IDBTransaction {
  if (durability === "default" || durability === "none") return base.transaction(store, "readwrite");
  return base.transaction(store, "readwrite", { durability });
}

function startSave(): void {
  if (saving || pendingEntries.length === 0 || db === undefined) return;
  const tab = opts();
  const entries = pendingEntries;
  const last = pendingLast;
  pendingEntries = [];
  saving = true;
  const packed = concat(entries);
  if (tab.durability === "none") {
    queueMicrotask(() => {
      saving = false;
      durableIndex = last;
      saved();
      startSave();
      scheduleFlush();
    });
    return;
  }
  const started = performance.now();
  const tx = transaction(db, tab.durability);
  tx.objectStore(store).put(packed, last);
  tx.oncomplete = () => {
    saveSamples.push(performance.now() - started);
    saving = false;
    durableIndex = last;
    saved();
    startSave();
    scheduleFlush();
  };
  tx.onerror = () => {
    throw tx.error;
  };
}

function isVoter(tab: number): boolean {
  return opts().voters.includes(tab);
}

/** A save became durable: the leader may commit, a follower acks. */
function saved(): void {
  const tab = opts();
  if (tab.self === tab.leader) {
    advanceCommit();
    if (tab.fast) queue(writerOf(), ACK, durableIndex, 0, 0, 0, sizes.controlBytes);
    return;
  }
  queue(tab.leader, ACK, durableIndex, 0, 0, 0, sizes.controlBytes);
  if (tab.fast && isVoter(tab.self) && tab.self !== writerOf()) {
    queue(writerOf(), ACK, durableIndex, 0, 0, 0, sizes.controlBytes);
  }
  if (tab.self === writerOf()) resolveFast();
}

/** The writer is the one tab that sends requests; the Node side tells every tab which it is. */
let writer = -1;

function writerOf(): number {
  return writer;
}

function advanceCommit(): void {
  const tab = opts();
  const durable = tab.voters.map((v) => (v === tab.self ? durableIndex : (matchIndex.get(v) ?? 0)));
  durable.sort((x, y) => y - x);
  const quorum = durable[Math.floor(tab.voters.length / 2)] ?? 0;
  if (quorum <= commitIndex) return;
  commitIndex = quorum;
  for (let i = 0; i < tab.tabs; i++) if (i !== tab.self) queue(i, COMMIT, commitIndex, 0, 0, 0, sizes.controlBytes);
}

function receive(message: Uint8Array): void {
  const self = opts().self;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  let at = 0;
  while (at < message.length) {
    const type = view.getUint8(at);
    const from = view.getUint8(at + 1);
    const a = view.getUint32(at + 2);
    const b = view.getUint32(at + 6);
    const c = view.getUint32(at + 10);
    const d = view.getUint32(at + 14);
    const bodyBytes = view.getUint32(at + 18);
    const to = view.getUint8(at + 22);
    if (to === self) handle(type, from, a, b, c, d, message.subarray(at + HEADER, at + HEADER + bodyBytes));
    at += HEADER + bodyBytes;
  }
}

function handle(type: number, from: number, a: number, b: number, c: number, d: number, body: Uint8Array): void {
  const tab = opts();
  if (type === REQUEST) {
    // a = first request id, b = count. The leader appends, sends to every other tab, saves at the end of the turn.
    const first = lastIndex + 1;
    lastIndex += b;
    pendingEntries.push(filler(b * sizes.entryBytes));
    pendingLast = lastIndex;
    for (let i = 0; i < tab.tabs; i++) {
      if (i !== tab.self) queue(i, APPEND, first, b, a, commitIndex, b * sizes.entryBytes);
    }
    scheduleFlush();
  } else if (type === APPEND) {
    // a = first index, b = count, c = first request id, d = commit.
    lastIndex = a + b - 1;
    pendingEntries.push(body.slice());
    pendingLast = lastIndex;
    if (tab.self === writerOf()) {
      for (let i = 0; i < b; i++) {
        known.push({ id: c + i, index: a + i });
      }
    }
    learnCommit(d);
    scheduleFlush();
  } else if (type === ACK) {
    if (tab.self === tab.leader) {
      matchIndex.set(from, Math.max(matchIndex.get(from) ?? 0, a));
      advanceCommit();
    } else {
      writerAcks.set(from, Math.max(writerAcks.get(from) ?? 0, a));
      resolveFast();
    }
  } else if (type === COMMIT) {
    learnCommit(a);
  }
}

function learnCommit(commit: number): void {
  if (commit > commitIndex) commitIndex = commit;
  if (opts().self === writerOf()) resolveUpTo(commitIndex);
}

/** Writer, fast variant: the highest index a majority of voters holds durably, by what the writer knows. */
function resolveFast(): void {
  const tab = opts();
  if (!tab.fast) return;
  const durable = tab.voters.map((v) => (v === tab.self ? durableIndex : (writerAcks.get(v) ?? 0)));
  durable.sort((x, y) => y - x);
  resolveUpTo(durable[Math.floor(tab.voters.length / 2)] ?? 0);
}

function resolveUpTo(index: number): void {
  while (known.length > 0 && known[0]!.index <= index) {
    const { id } = known.shift()!;
    const done = waiting.get(id);
    waiting.delete(id);
    done?.();
  }
}

/** Tell this tab which tab writes. */
export function protocolWriter(tab: number): void {
  writer = tab;
}

/** One write from this tab (the writer): resolves once it is committed by what this tab learns. */
function write(onDone: () => void): void {
  const tab = opts();
  const id = nextRequestId++;
  waiting.set(id, onDone);
  if (queuedRequests === 0) {
    firstQueuedRequest = id;
    queueMicrotask(() => {
      const count = queuedRequests;
      queuedRequests = 0;
      queue(tab.leader, REQUEST, firstQueuedRequest, count, 0, 0, count * sizes.requestBytes);
    });
  }
  queuedRequests++;
}

/** Sequential writes from this tab, each awaited; p50/p99 in ms. */
export async function protocolLatencies(count: number, warmUp: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count + warmUp; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => write(resolve));
    if (i >= warmUp) samples.push(performance.now() - started);
  }
  return samples;
}

/** `count` writes from this tab with `inFlight` outstanding; resolves with the elapsed ms. */
export function protocolThroughput(count: number, inFlight: number): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    let issued = 0;
    let done = 0;
    const next = (): void => {
      done++;
      if (done === count) resolve(performance.now() - started);
      else if (issued < count) {
        issued++;
        write(next);
      }
    };
    for (; issued < Math.min(inFlight, count); ) {
      issued++;
      write(next);
    }
  });
}
