import { addTask, removeTask, renameBoard, toggleTask, wave } from "./actions";
import type { DemoCluster } from "./cluster";
import { ago, h } from "./dom";
import { perFrame } from "./frame-scheduler";
import { shortId, type Task } from "./model";
import { firstTasks } from "./task-order";

/** Tasks shown at most; a bulk import of thousands only shows a count beyond this. */
const MAX_SHOWN_TASKS = 100;
const DEFAULT_TITLE = "Shared tasks";
/** How long "… is typing" stays after the last keystroke notice. */
const TYPING_SHOWN_MS = 2_000;

/** The collaborative board: title, add form, task list, presence line and activity feed. */
export function mountBoard(root: HTMLElement, cluster: DemoCluster): void {
  const title = h("input", {
    class: "title",
    "aria-label": "Board title",
    "data-testid": "board-title",
    maxlength: 80,
    onchange: () => void renameBoard(cluster, title.value).catch(showError),
  });
  const text = h("input", {
    placeholder: "What needs doing?",
    "aria-label": "New task",
    "data-testid": "new-task",
    maxlength: 200,
    oninput: () => announceTyping(),
  });
  const add = h("button", { type: "submit", "data-testid": "add-task" }, "Add");
  const form = h(
    "form",
    {
      class: "add",
      onsubmit: (event) => {
        event.preventDefault();
        if (text.value.trim().length === 0) return;
        const value = text.value;
        text.value = "";
        void addTask(cluster, value).catch((error: unknown) => {
          text.value = value;
          showError(error);
        });
      },
    },
    text,
    add,
  );
  const count = h("span", { class: "count", "data-testid": "task-count" });
  const list = h("ul", { class: "tasks", "data-testid": "tasks" });
  const more = h("p", { class: "muted" });
  const presence = h("p", { class: "presence", "aria-live": "polite" });
  const waveButton = h(
    "button",
    { class: "secondary", type: "button", onclick: () => void wave(cluster).catch(showError) },
    "Wave at everyone",
  );
  const feed = h("ol", { class: "feed", "data-testid": "activity" });
  const sweep = h("p", { class: "muted", "data-testid": "sweep" });
  const error = h("p", { class: "error", role: "alert" });

  root.append(
    h("header", { class: "board-head" }, title, count),
    form,
    list,
    more,
    h("div", { class: "presence-row" }, presence, waveButton),
    h("section", { class: "activity" }, h("h2", {}, "Activity"), sweep, feed),
    error,
  );

  const typing = new Map<string, number>();
  let lastTypingNotice = 0;
  function announceTyping(): void {
    const now = Date.now();
    if (now - lastTypingNotice < 1_000) return;
    lastTypingNotice = now;
    try {
      cluster.presence.notify("typing", cluster.hamok.localPeerId);
    } catch {
      // Not joined yet: nobody to tell.
    }
  }

  function showError(cause: unknown): void {
    error.textContent = cause instanceof Error ? cause.message : String(cause);
    setTimeout(() => {
      error.textContent = "";
    }, 4_000);
  }

  // What the list shows, as text: a frame whose commits changed none of the shown tasks rebuilds no DOM.
  let shownSignature = "";
  const renderTasks = perFrame(() => {
    const { shown, open, total } = firstTasks(cluster.tasks.entries(), MAX_SHOWN_TASKS);
    const signature = JSON.stringify(shown);
    if (signature !== shownSignature) {
      shownSignature = signature;
      list.replaceChildren(...shown.map(([id, task]) => taskItem(id, task)));
    }
    count.textContent = `${open} open · ${total} total`;
    more.textContent = total > MAX_SHOWN_TASKS ? `… and ${total - MAX_SHOWN_TASKS} more` : "";
  });

  function taskItem(id: string, task: Task): HTMLLIElement {
    return h(
      "li",
      { class: task.done ? "task done" : "task", "data-id": id },
      h("input", {
        type: "checkbox",
        checked: task.done,
        "aria-label": `Done: ${task.text}`,
        onchange: () => void toggleTask(cluster, id).catch(showError),
      }),
      h("span", { class: "text" }, task.text),
      h("span", { class: "author", title: task.author }, shortId(task.author)),
      h(
        "button",
        {
          class: "icon",
          type: "button",
          "aria-label": `Delete ${task.text}`,
          onclick: () => void removeTask(cluster, id).catch(showError),
        },
        "×",
      ),
    );
  }

  const renderBoard = perFrame(() => {
    const current = cluster.board.get("title") ?? DEFAULT_TITLE;
    if (document.activeElement !== title) title.value = current;
    document.title = `${current} · hamok demo`;
    const sweptAt = cluster.board.get("sweptAt");
    sweep.textContent =
      sweptAt === undefined
        ? "The leader tab trims this feed every few seconds."
        : `Leader ${shortId(cluster.board.get("sweptBy"))} last trimmed this feed ${ago(sweptAt)}.`;
    const items = [...cluster.activity.values()].reverse();
    feed.replaceChildren(
      ...items.map((item) =>
        h("li", {}, h("span", { class: "author" }, shortId(item.peerId)), " ", item.text, h("time", {}, ago(item.at))),
      ),
    );
  });

  const renderPresence = () => {
    const now = Date.now();
    const names = [...typing].filter(([, at]) => now - at < TYPING_SHOWN_MS).map(([peerId]) => shortId(peerId));
    presence.textContent = names.length === 0 ? "" : `${names.join(", ")} ${names.length === 1 ? "is" : "are"} typing…`;
  };

  for (const event of ["insert", "update", "remove", "clear"] as const) cluster.tasks.on(event, renderTasks);
  for (const event of ["insert", "update", "remove", "clear"] as const) cluster.board.on(event, renderBoard);
  for (const event of ["add", "remove", "empty"] as const) cluster.activity.on(event, renderBoard);
  cluster.hamok.on("commit", renderTasks);
  setInterval(() => {
    renderBoard();
    renderPresence();
  }, 1_000);
  renderTasks();
  renderBoard();

  // Subscribing goes through the log, so it waits until this tab has joined.
  void cluster.hamok.ready.then(async () => {
    await cluster.presence.subscribe("typing", (peerId) => {
      if (peerId === cluster.hamok.localPeerId) return;
      typing.set(peerId, Date.now());
      renderPresence();
    });
    await cluster.presence.subscribe("wave", (peerId) => {
      if (peerId !== cluster.hamok.localPeerId) showToast(`${shortId(peerId)} waves at everyone`);
    });
  });
}

function showToast(message: string): void {
  const toast = h("div", { class: "toast", role: "status" }, message);
  document.body.append(toast);
  setTimeout(() => toast.remove(), 3_000);
}
