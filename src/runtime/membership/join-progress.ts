import type { HamokClock } from "../../clock.js";
import { HamokError } from "../../errors.js";
import type { HamokJoinPhase } from "../peer/public-types.js";

/**
 * Where `join()` stands, reported as it moves (event `join-progress`), and the optional overall timeout of
 * `join({ timeoutInMs })`. A join that waits forever is the worst failure an app can get (issue 10: a reopened
 * tab stayed `pre-candidate` with no word at all), so every wait has a name, and the app may bound it.
 */

/** What a waiting join is waiting for, from the peer's view. */
export interface JoinWaitView {
  readonly member: boolean;
  readonly leaderKnown: boolean;
  readonly caughtUp: boolean;
  readonly settledRole: boolean;
}

/** The phase and its changes. */
export class JoinProgress {
  private current: HamokJoinPhase = "idle";

  constructor(private readonly onChange: (phase: HamokJoinPhase) => void) {}

  get phase(): HamokJoinPhase {
    return this.current;
  }

  set(phase: HamokJoinPhase): void {
    if (phase === this.current) return;
    this.current = phase;
    this.onChange(phase);
  }

  /** While `join()` waits for its peer to be led, caught up and settled. */
  waiting(view: JoinWaitView): void {
    if (!view.leaderKnown) this.set("waiting-for-leader");
    else if (!view.member || !view.caughtUp) this.set("catching-up");
    else if (!view.settledRole) this.set("waiting-for-promotion");
  }
}

/** What each phase means for a user who waited too long. */
const EXPLANATIONS: Readonly<Record<HamokJoinPhase, string>> = {
  idle: "join() had not started",
  "opening-transport": "the transport did not open (is the signaling server reachable?)",
  discovering: "discovery found no cluster to join yet",
  restarting: "the persisted state was still loading",
  "waiting-for-leader": "no leader was elected (see hamok.quorum: a majority of the voters may be gone)",
  "catching-up": "the leader had not added this peer or it had not caught up with the log yet",
  "waiting-for-promotion": "the leader had not promoted this peer to voter yet",
  joined: "it had joined",
};

/**
 * `joining` bounded by `timeoutInMs` (none when `undefined`): rejects `JoinTimeout` naming the phase. The join
 * itself goes on (a later `join()` waits for it again).
 */
export function withJoinTimeout(
  joining: Promise<void>,
  timeoutInMs: number | undefined,
  clock: HamokClock,
  phase: () => HamokJoinPhase,
): Promise<void> {
  if (timeoutInMs === undefined) return joining;
  if (!(typeof timeoutInMs === "number" && timeoutInMs > 0)) {
    return Promise.reject(new HamokError("InvalidArgument", "join timeoutInMs must be a number > 0"));
  }
  return new Promise<void>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      const at = phase();
      reject(new HamokError("JoinTimeout", `not joined within ${timeoutInMs} ms: ${at}: ${EXPLANATIONS[at]}`));
    }, timeoutInMs);
    joining.then(
      () => {
        clock.clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}
