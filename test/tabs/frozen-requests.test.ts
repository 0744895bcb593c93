import { describe, expect, it } from "vitest";
import type { StorageCommand } from "../../src/collections/contract";
import { type RequestPayload, requestAt } from "../../src/runtime/replicated/log-payload";
import { unpackRequests } from "../../src/runtime/replicated/packed-requests";
import { RequestTable } from "../../src/runtime/requests/request-table";
import { ManualClock } from "./manual-clock";

const bytes = (value: number) => new Uint8Array([value]);

/** A request table whose proposals are accepted (forwarded to a leader) and recorded. */
function table(caughtUp?: () => boolean) {
  const clock = new ManualClock();
  const proposals: RequestPayload[] = [];
  /** Sessions the (simulated) cluster closed. */
  const closed = new Set<string>();
  const requests = new RequestTable("p1", {
    isSessionClosed: (session) => closed.has(session),
    propose: (_id, payload) => {
      // One request per proposal here: the packed entry's first (and only) request.
      proposals.push(requestAt(unpackRequests(payload)!, 0));
      return { ok: true };
    },
    clock,
    maxBatchBytes: 1 << 20,
    ...(caughtUp === undefined ? {} : { caughtUp }),
  });
  const command: StorageCommand = {
    storageId: "m",
    storageType: "map",
    op: "set",
    args: { key: bytes(1), value: bytes(1) },
  };
  const outcome = requests.submit(command, 16, 1000).then(
    (value) => ({ value }),
    (error: { code: string; indeterminate: boolean }) => ({ code: error.code, indeterminate: error.indeterminate }),
  );
  const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { clock, proposals, requests, outcome, flush, closed };
}

describe("requests of a page that was frozen", () => {
  it("a request still unanswered when its timeout passes while the page runs is a Timeout (indeterminate)", async () => {
    const t = table();
    await t.flush();
    expect(t.proposals).toHaveLength(1);
    t.clock.advance(1000);
    await expect(t.outcome).resolves.toEqual({ code: "Timeout", indeterminate: true });
  });

  it("after a freeze its timeout counts again from the thaw, so an applied write is reported applied", async () => {
    const t = table();
    await t.flush();
    // Frozen for 25 s: the deadline sweep fires only at the thaw, 24 s late.
    t.clock.jump(25_000);
    t.clock.advance(0);
    expect(t.requests.size).toBe(1);
    // Caught up after the thaw, the peer applies the write the others committed meanwhile.
    t.clock.advance(400);
    t.requests.applied(t.proposals[0]!, { ok: true, value: "old" });
    await expect(t.outcome).resolves.toEqual({ value: "old" });
  });

  it("a thawed request that is still not applied a full timeout after the thaw is a Timeout", async () => {
    const t = table();
    await t.flush();
    t.clock.jump(25_000);
    t.clock.advance(0);
    t.clock.advance(1000);
    await expect(t.outcome).resolves.toEqual({ code: "Timeout", indeterminate: true });
  });

  it("a thawed peer still catching up (removed while frozen, re-added) keeps its requests until it can know", async () => {
    let caughtUp = false;
    const t = table(() => caughtUp);
    await t.flush();
    t.clock.jump(25_000);
    t.clock.advance(0);
    // A full timeout after the thaw the peer is still being re-added: the request waits on.
    t.clock.advance(2500);
    expect(t.requests.size).toBe(1);
    caughtUp = true;
    t.requests.applied(t.proposals[0]!, { ok: true, value: "applied while frozen" });
    await expect(t.outcome).resolves.toEqual({ value: "applied while frozen" });
  });

  it("a thawed peer that never catches up times out after four of its timeouts", async () => {
    const t = table(() => false);
    await t.flush();
    t.clock.jump(25_000);
    t.clock.advance(0);
    t.clock.advance(3500);
    expect(t.requests.size).toBe(1);
    t.clock.advance(1000);
    await expect(t.outcome).resolves.toEqual({ code: "Timeout", indeterminate: true });
  });

  it("a request made right after the thaw, while the peer still catches up, is as patient", async () => {
    let caughtUp = false;
    const t = table(() => caughtUp);
    await t.flush();
    t.clock.jump(25_000);
    t.clock.advance(0);
    const command: StorageCommand = {
      storageId: "m",
      storageType: "map",
      op: "set",
      args: { key: bytes(2), value: bytes(2) },
    };
    const second = t.requests.submit(command, 16, 1000).then((value) => ({ value }));
    await t.flush();
    t.clock.advance(2500);
    expect(t.requests.size).toBe(2);
    caughtUp = true;
    t.requests.applied(t.proposals[1]!, { ok: true, value: "after the thaw" });
    await expect(second).resolves.toEqual({ value: "after the thaw" });
  });
});

describe("a stall detected by the ticks (its deadlines fall near its end)", () => {
  it("a sweep hardly late while the ticks are long overdue waits for them, and they report the stall", async () => {
    const t = table();
    await t.flush();
    t.requests.tick();
    // Frozen 2.6 s with a 1 s timeout: the sweep, due after 1 s, runs 1.6 s late (below the 2 s tolerance).
    t.clock.jump(2600);
    t.clock.advance(0);
    expect(t.requests.size).toBe(1);
    t.requests.tick();
    t.clock.advance(100);
    expect(t.requests.size).toBe(1);
    t.requests.applied(t.proposals[0]!, { ok: true, value: "applied while frozen" });
    await expect(t.outcome).resolves.toEqual({ value: "applied while frozen" });
  });

  it("without a late tick (the peer does not tick) the request times out after that one wait", async () => {
    const t = table();
    await t.flush();
    t.requests.tick();
    t.clock.jump(2600);
    t.clock.advance(0);
    t.clock.advance(100);
    await expect(t.outcome).resolves.toEqual({ code: "Timeout", indeterminate: true });
  });
});

describe("requests of a peer that was removed (its session closed at the removal)", () => {
  it("applying its own removal in log order moves its pending requests to a new session, which commits them", async () => {
    const t = table();
    await t.flush();
    const first = t.proposals[0]!;
    // The session had applied requests: the removal closed it.
    t.closed.add(first.session);
    t.requests.removedInOrder();
    await t.flush();
    expect(t.proposals).toHaveLength(2);
    const second = t.proposals[1]!;
    expect(second.seq).toBe(first.seq);
    expect(second.session).not.toBe(first.session);
    // The old session's late copy is refused by the cluster (closed): that answer no longer concerns it.
    t.requests.applied(first, { ok: false, code: "NotMember", message: "closed", indeterminate: true });
    expect(t.requests.size).toBe(1);
    t.requests.applied(second, { ok: true, value: "committed" });
    await expect(t.outcome).resolves.toEqual({ value: "committed" });
  });

  it("a session that had applied nothing is not closed by the removal: its requests go on in it", async () => {
    const t = table();
    await t.flush();
    t.requests.removedInOrder();
    await t.flush();
    // No second attempt in another session: the first may still apply (once, in its own session).
    expect(t.proposals).toHaveLength(1);
    t.requests.applied(t.proposals[0]!, { ok: true, value: "applied in its session" });
    await expect(t.outcome).resolves.toEqual({ value: "applied in its session" });
  });

  it("a snapshot that recorded the request answers it", async () => {
    const t = table();
    await t.flush();
    t.requests.restored((session, seq) =>
      session === t.proposals[0]!.session && seq === t.proposals[0]!.seq
        ? { ok: true, value: "in the snapshot" }
        : undefined,
    );
    await expect(t.outcome).resolves.toEqual({ value: "in the snapshot" });
  });

  it("a snapshot that closed its session: an attempted request's fate is unknown (indeterminate), a new one goes on", async () => {
    const t = table();
    await t.flush();
    t.requests.restored(() => ({ ok: false, code: "NotMember", message: "closed", indeterminate: true }));
    await expect(t.outcome).resolves.toEqual({ code: "NotMember", indeterminate: true });
    expect(t.requests.size).toBe(0);
  });

  it("a snapshot that does not hold the request (not applied before it) changes nothing", async () => {
    const t = table();
    await t.flush();
    t.requests.restored(() => undefined);
    t.closed.add(t.proposals[0]!.session);
    t.requests.removedInOrder();
    await t.flush();
    t.requests.applied(t.proposals[1]!, { ok: true, value: "after the re-add" });
    await expect(t.outcome).resolves.toEqual({ value: "after the re-add" });
  });
});

describe("a request made right after a thaw with nothing pending", () => {
  it("is as patient as a thawed one while the peer still catches up", async () => {
    let caughtUp = false;
    const t = table(() => caughtUp);
    await t.flush();
    t.requests.applied(t.proposals[0]!, { ok: true, value: "before the freeze" });
    await t.outcome;
    t.requests.tick();
    // Frozen 25 s with nothing pending; the first tick after the thaw reports the stall.
    t.clock.jump(25_000);
    t.requests.tick();
    const command: StorageCommand = {
      storageId: "m",
      storageType: "map",
      op: "set",
      args: { key: bytes(3), value: bytes(3) },
    };
    const after = t.requests.submit(command, 16, 1000).then((value) => ({ value }));
    await t.flush();
    t.clock.advance(2500);
    expect(t.requests.size).toBe(1);
    caughtUp = true;
    t.requests.applied(t.proposals[1]!, { ok: true, value: "after the thaw" });
    await expect(after).resolves.toEqual({ value: "after the thaw" });
  });
});
