/**
 * An in-memory Web Locks manager for Node tests: exclusive locks only, with `ifAvailable` and `signal`, and a
 * `query()` that lists held and pending locks, as one origin's `navigator.locks` shared by all of its tabs.
 * `dropAll(owner)` releases what a "tab" held, as the browser does when a tab's page is gone.
 */
export class FakeLockManager {
  private readonly held = new Map<string, string>();
  private readonly waiting = new Map<string, Array<{ owner: string; grant: () => void }>>();

  /** A `LockManager` for one tab (`owner`): its locks are released together by {@link dropAll}. */
  forTab(owner: string): LockManager {
    const request = (name: string, ...rest: unknown[]) => this.request(owner, name, rest);
    return {
      request: request as LockManager["request"],
      query: async () => this.snapshot(),
    } as LockManager;
  }

  /** The tab `owner` is gone: its locks are free. */
  dropAll(owner: string): void {
    for (const [name, holder] of [...this.held]) if (holder === owner) this.release(name);
    for (const queue of this.waiting.values()) {
      for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.owner === owner) queue.splice(i, 1);
    }
  }

  isHeld(name: string): boolean {
    return this.held.has(name);
  }

  private snapshot(): LockManagerSnapshot {
    const held = [...this.held].map(([name, clientId]) => ({ name, clientId, mode: "exclusive" as const }));
    const pending = [...this.waiting].flatMap(([name, queue]) =>
      queue.map((entry) => ({ name, clientId: entry.owner, mode: "exclusive" as const })),
    );
    return { held, pending };
  }

  private async request(owner: string, name: string, rest: unknown[]): Promise<unknown> {
    const options = (rest.length > 1 ? rest[0] : {}) as LockOptions;
    const callback = (rest.length > 1 ? rest[1] : rest[0]) as LockGrantedCallback<unknown>;
    if (this.held.has(name)) {
      if (options.ifAvailable === true) return callback(null);
      await new Promise<void>((resolve, reject) => {
        const entry = { owner, grant: resolve };
        const queue = this.waiting.get(name) ?? [];
        queue.push(entry);
        this.waiting.set(name, queue);
        options.signal?.addEventListener("abort", () => {
          const index = queue.indexOf(entry);
          if (index >= 0) queue.splice(index, 1);
          reject(new DOMException("the lock request was aborted", "AbortError"));
        });
      });
    }
    this.held.set(name, owner);
    try {
      return await callback({ name, mode: "exclusive" } as Lock);
    } finally {
      if (this.held.get(name) === owner) this.release(name);
    }
  }

  private release(name: string): void {
    this.held.delete(name);
    const next = this.waiting.get(name)?.shift();
    if (next !== undefined) {
      this.held.set(name, next.owner);
      next.grant();
    }
  }
}
