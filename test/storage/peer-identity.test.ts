import { describe, expect, it } from "vitest";
import { acquirePeerId, peerIdLockName, peerIdStorageKey } from "../../src/storage/peer-identity";

function memoryStorage(): Pick<Storage, "getItem" | "setItem"> {
  const items = new Map<string, string>();
  return { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) };
}

describe("acquirePeerId fallbacks (Node has neither sessionStorage nor Web Locks)", () => {
  it("without Web Locks every call gets a fresh id, stored but never reused", async () => {
    const storage = memoryStorage();
    const first = await acquirePeerId({ room: "r", storage });
    const second = await acquirePeerId({ room: "r", storage });
    expect(first).toMatchObject({ guard: "none", reused: false });
    expect(second.peerId).not.toBe(first.peerId);
    expect(storage.getItem(peerIdStorageKey("r"))).toBe(second.peerId);
  });

  it("works without any storage", async () => {
    const identity = await acquirePeerId({ room: "r", storage: null, locks: null });
    expect(identity.peerId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a storage that throws only costs the reuse of the id", async () => {
    const broken = {
      getItem: () => {
        throw new DOMException("blocked", "SecurityError");
      },
      setItem: () => {
        throw new DOMException("full", "QuotaExceededError");
      },
    };
    await expect(acquirePeerId({ room: "r", storage: broken, locks: null })).resolves.toMatchObject({ reused: false });
  });

  it("Web Locks that refuse to work (SecurityError in an opaque origin) fall back to a new unguarded id", async () => {
    const storage = memoryStorage();
    storage.setItem(peerIdStorageKey("r"), "old-id");
    const refusing = {
      request: () => Promise.reject(new DOMException("opaque origin", "SecurityError")),
      query: () => Promise.reject(new DOMException("opaque origin", "SecurityError")),
    } as unknown as LockManager;
    const identity = await acquirePeerId({ room: "r", storage, locks: refusing });
    expect(identity).toMatchObject({ guard: "none", reused: false });
    expect(identity.peerId).not.toBe("old-id");
  });

  it("keys and lock names are per room and encode separators", () => {
    expect(peerIdStorageKey("a/b")).not.toBe(peerIdStorageKey("a"));
    expect(peerIdLockName("a/b", "c")).not.toBe(peerIdLockName("a", "b/c"));
  });
});
