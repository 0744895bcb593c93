import type { ConfChange, NodeId, RaftConfig, RaftMessage } from "../../src/raft/types.js";
import { describeConf, describeEntry, describeMessage, describeReady, describeSnapshot } from "./describe.js";
import { Cluster } from "./harness.js";

/*
 * The interpreter of the golden transcripts (testdata/*.txt), etcd's
 * interaction_env reduced to what the core has. Unlike the scenario harness,
 * nothing happens behind the script's back: inputs only queue work, and
 * `process-ready`, `deliver-msgs` and `stabilize` print every Ready and every
 * message as it is handled, so the exact message flow is pinned.
 *
 * Commands (ids are node ids; `all` means every node):
 *   add-nodes voters=(a,b,c) [learners=(..)] [spares=(..)] [pre-vote=bool] [check-quorum=bool]
 *             [election=10] [heartbeat=1] [chunk=bytes] [seed=1]
 *   campaign ID | tick IDS.. [n=K] [stabilize=bool] | propose ID PID DATA | propose-conf-change ID PID TYPE NODE
 *   read-index ID CONTEXT | transfer-leader ID TO | compact ID | vouch ID PEER BY | restart ID
 *   process-ready IDS.. | deliver-msgs [IDS..] | drop-msgs [from=ID] [to=ID] [type=T] | stabilize
 *   isolate IDS.. | heal | step JSON | status ID | log ID | values IDS..
 */

interface Args {
  readonly positional: string[];
  readonly named: Map<string, string>;
}

function parseArgs(tokens: readonly string[]): Args {
  const positional: string[] = [];
  const named = new Map<string, string>();
  for (const t of tokens) {
    const eq = t.indexOf("=");
    if (eq > 0) named.set(t.slice(0, eq), t.slice(eq + 1));
    else positional.push(t);
  }
  return { positional, named };
}

function list(value: string | undefined): string[] {
  if (value === undefined) return [];
  const inner = value.replace(/^\(/, "").replace(/\)$/, "");
  return inner === "" ? [] : inner.split(",");
}

function bool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value !== "true" && value !== "false") throw new Error(`not a boolean: ${value}`);
  return value === "true";
}

function int(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${value}`);
  return n;
}

/** Proposal data: JSON when it parses, else the word itself as a string. */
function data(word: string | undefined): unknown {
  if (word === undefined) throw new Error("missing data");
  try {
    return JSON.parse(word);
  } catch {
    return word;
  }
}

export class TranscriptRunner {
  #cluster: Cluster | undefined;
  /** Messages sent and not yet delivered, in order. */
  #pending: RaftMessage[] = [];
  readonly #isolated = new Set<NodeId>();

  /** Runs one command line; returns its output lines. */
  run(line: string): string[] {
    const [name, ...rest] = line.trim().split(/\s+/);
    if (name === "step") return this.#step(line.trim().slice("step".length));
    const args = parseArgs(rest);
    switch (name) {
      case "add-nodes":
        return this.#addNodes(args);
      case "campaign":
        this.#node(args, 0).campaign();
        return [];
      case "tick":
        return this.#tick(args);
      case "propose":
        return this.#result(this.#node(args, 0).propose(this.#arg(args, 1), data(args.positional[2])));
      case "propose-conf-change": {
        const change = { type: this.#arg(args, 2), nodeId: this.#arg(args, 3) } as ConfChange;
        return this.#result(this.#node(args, 0).proposeConfChange(this.#arg(args, 1), change));
      }
      case "read-index":
        this.#node(args, 0).readIndex(this.#arg(args, 1));
        return [];
      case "transfer-leader":
        this.#node(args, 0).transferLeader(this.#arg(args, 1));
        return [];
      case "compact":
        return this.#compact(this.#arg(args, 0));
      case "vouch":
        return [String(this.#node(args, 0).vouch(this.#arg(args, 1), this.#arg(args, 2)))];
      case "restart":
        this.#c().restart(this.#arg(args, 0));
        return [];
      case "process-ready":
        return this.#processReady(this.#ids(args.positional));
      case "deliver-msgs":
        return this.#deliver(this.#ids(args.positional));
      case "drop-msgs":
        return this.#dropMsgs(args);
      case "stabilize":
        return this.#stabilize();
      case "isolate":
        for (const id of args.positional) this.#isolated.add(id);
        return [];
      case "heal":
        this.#isolated.clear();
        return [];
      case "status":
        return this.#status(this.#arg(args, 0));
      case "log":
        return this.#log(this.#arg(args, 0));
      case "values":
        return this.#ids(args.positional).map((id) => `${id}: ${JSON.stringify(this.#c().values(id))}`);
      default:
        throw new Error(`unknown command: ${name}`);
    }
  }

  #c(): Cluster {
    if (!this.#cluster) throw new Error("add-nodes first");
    return this.#cluster;
  }

  #arg(args: Args, i: number): string {
    const v = args.positional[i];
    if (v === undefined) throw new Error(`missing argument ${i + 1}`);
    return v;
  }

  #node(args: Args, i: number) {
    return this.#c().node(this.#arg(args, i));
  }

  #ids(ids: readonly string[]): NodeId[] {
    if (ids.length === 0 || (ids.length === 1 && ids[0] === "all")) return [...this.#c().nodes.keys()];
    return [...ids];
  }

  #result(r: { ok: boolean; reason?: string }): string[] {
    return r.ok ? [] : [`refused: ${r.reason}`];
  }

  #addNodes(args: Args): string[] {
    const config: { -readonly [K in keyof Omit<RaftConfig, "id" | "random">]?: RaftConfig[K] } = {};
    const preVote = bool(args.named.get("pre-vote"));
    const checkQuorum = bool(args.named.get("check-quorum"));
    const electionTicks = int(args.named.get("election"));
    const heartbeatTicks = int(args.named.get("heartbeat"));
    const chunk = int(args.named.get("chunk"));
    if (preVote !== undefined) config.preVote = preVote;
    if (checkQuorum !== undefined) config.checkQuorum = checkQuorum;
    if (electionTicks !== undefined) config.electionTicks = electionTicks;
    if (heartbeatTicks !== undefined) config.heartbeatTicks = heartbeatTicks;
    if (chunk !== undefined) config.snapshotChunkBytes = chunk;
    this.#cluster = new Cluster({
      voters: list(args.named.get("voters")),
      learners: list(args.named.get("learners")),
      spares: list(args.named.get("spares")),
      config,
      seed: int(args.named.get("seed")) ?? 1,
    });
    this.#pending = [];
    this.#isolated.clear();
    return [];
  }

  /** Ticks the nodes `n` times; with `stabilize=true` the network stabilizes (printed) after each tick. */
  #tick(args: Args): string[] {
    const n = int(args.named.get("n")) ?? 1;
    const settle = bool(args.named.get("stabilize")) ?? false;
    const ids = this.#ids(args.positional);
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      for (const id of ids) this.#c().node(id).tick();
      if (settle) out.push(`> tick ${i + 1}`, ...this.#stabilize());
    }
    return out;
  }

  #processReady(ids: readonly NodeId[]): string[] {
    const out: string[] = [];
    for (const id of ids) {
      const sent = this.#c().process(id, (rd) => {
        out.push(`> ${id} handling Ready`);
        out.push(...describeReady(rd).map((l) => `  ${l}`));
      });
      this.#pending.push(...sent);
    }
    return out;
  }

  #cut(m: RaftMessage): boolean {
    return this.#isolated.has(m.from) || this.#isolated.has(m.to) || !this.#c().nodes.has(m.to);
  }

  /** Delivers the pending messages to `ids`, grouped by recipient in order of first appearance. */
  #deliver(ids: readonly NodeId[]): string[] {
    const wanted = new Set(ids);
    const now = this.#pending.filter((m) => wanted.has(m.to));
    this.#pending = this.#pending.filter((m) => !wanted.has(m.to));
    const out: string[] = [];
    const recipients = [...new Set(now.map((m) => m.to))];
    for (const to of recipients) {
      out.push(`> ${to} receiving messages`);
      for (const m of now.filter((x) => x.to === to)) {
        this.#c().sent.push(m);
        if (this.#cut(m)) {
          out.push(`  DROPPED ${describeMessage(m)}`);
          continue;
        }
        out.push(`  ${describeMessage(m)}`);
        this.#c().node(to).step(m);
      }
    }
    return out;
  }

  #dropMsgs(args: Args): string[] {
    const from = args.named.get("from");
    const to = args.named.get("to");
    const type = args.named.get("type");
    const match = (m: RaftMessage) =>
      (from === undefined || m.from === from) &&
      (to === undefined || m.to === to) &&
      (type === undefined || m.type === type);
    const dropped = this.#pending.filter(match);
    this.#pending = this.#pending.filter((m) => !match(m));
    return dropped.map((m) => `dropped: ${describeMessage(m)}`);
  }

  #stabilize(): string[] {
    const out: string[] = [];
    for (let round = 0; round < 200; round++) {
      const ids = [...this.#c().nodes.keys()];
      const readyIds = ids.filter((id) => this.#c().node(id).hasReady());
      if (readyIds.length === 0 && this.#pending.length === 0) return out;
      out.push(...this.#processReady(readyIds));
      out.push(...this.#deliver(ids));
    }
    throw new Error("stabilize: the network did not quiesce in 200 rounds");
  }

  #step(json: string): string[] {
    const m = JSON.parse(json) as RaftMessage;
    this.#c().node(m.to).step(m);
    return [];
  }

  #compact(id: NodeId): string[] {
    const n = this.#c().get(id);
    const s = n.node.compact(n.app.applied, n.app.snapshotData());
    n.storage.compact(s);
    return [describeSnapshot(s)];
  }

  #status(id: NodeId): string[] {
    const s = this.#c().node(id).status();
    const out = [
      `${id}: ${s.role} term=${s.term} vote=${s.vote ?? "-"} lead=${s.leaderId ?? "-"} commit=${s.commit} applied=${s.applied} ` +
        `log=${s.firstIndex}..${s.lastIndex} snap=${s.snapshotIndex} ${describeConf(s.confState)} transferee=${s.leadTransferee ?? "-"}`,
    ];
    for (const [peer, p] of Object.entries(s.progress ?? {})) {
      out.push(
        `  ${peer}: match=${p.match} next=${p.next} ${p.state} inflight=${p.inflight} active=${p.recentActive} silent=${p.ticksSinceHeard}`,
      );
    }
    return out;
  }

  #log(id: NodeId): string[] {
    const n = this.#c().get(id);
    const out = n.storage.snapshot ? [describeSnapshot(n.storage.snapshot)] : [];
    out.push(...n.storage.entries.map(describeEntry));
    return out.length > 0 ? out : ["empty"];
  }
}
