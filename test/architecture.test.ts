import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The layers of DESIGN.md section 2, checked by machine: every import and re-export of every file under src/
 * is parsed (the TypeScript compiler API, so type-only imports, `export ... from` and dynamic `import()` all
 * count), resolved to a file, and judged against the table below. The pure core is also checked for the
 * globals it must not touch (timers, wall clock, randomness, DOM, asynchrony).
 */

/** A layer: a folder under src/, or one of the top-level files. */
type Layer =
  | "raft"
  | "util"
  | "clock"
  | "errors"
  | "messages"
  | "storage"
  | "transport"
  | "collections"
  | "runtime"
  | "facade"
  | "entry";

interface Rule {
  /** Layers this one may import from (its own is always allowed). */
  readonly may: readonly Layer[];
  /** Extra files it may import type-only, with why. */
  readonly typeOnly?: readonly string[];
  /** Whether it may import npm packages. */
  readonly packages: boolean;
}

const LEAF: readonly Layer[] = ["errors", "clock", "util"];

const RULES: Readonly<Record<Layer, Rule>> = {
  // Pure and synchronous: nothing outside itself but pure helpers.
  raft: { may: ["util"], packages: false },
  util: { may: [], packages: false },
  clock: { may: [], packages: false },
  errors: { may: [], packages: false },
  // A Raft envelope carries a RaftMessage: the core's data types, never its code.
  messages: { may: LEAF, typeOnly: ["raft/types.ts"], packages: true },
  // Persistence stores the core's entries, hard state and snapshots: again its data types only.
  storage: { may: LEAF, typeOnly: ["raft/types.ts"], packages: true },
  // A transport carries Hamok messages and frames them with the wire codec.
  transport: { may: [...LEAF, "messages"], packages: true },
  collections: { may: [...LEAF, "messages"], packages: true },
  // The runtime wires the layers below; it never reaches back into the facade or an entry point.
  runtime: { may: [...LEAF, "raft", "messages", "storage", "transport", "collections"], packages: true },
  facade: { may: [...LEAF, "raft", "messages", "storage", "transport", "collections", "runtime"], packages: true },
  entry: {
    may: [...LEAF, "raft", "messages", "storage", "transport", "collections", "runtime", "facade"],
    packages: true,
  },
};

/** The layer of a path relative to src/ (posix separators). */
function layerOf(path: string): Layer {
  const [first, ...rest] = path.split("/");
  if (rest.length === 0) {
    if (first === "hamok.ts") return "facade";
    if (first === "clock.ts") return "clock";
    if (first === "errors.ts") return "errors";
    // index.ts and any other top-level file is a package entry point.
    return "entry";
  }
  switch (first) {
    case "raft":
    case "util":
    case "messages":
    case "storage":
    case "transport":
    case "collections":
    case "runtime":
      return first;
    default:
      // Other folders (for example testing helpers published under their own subpath) are entry points.
      return "entry";
  }
}

interface ImportRef {
  readonly specifier: string;
  readonly typeOnly: boolean;
}

/** Every module specifier a file imports or re-exports, with whether the reference is type-only. */
function importsOf(path: string, source: string): ImportRef[] {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const refs: ImportRef[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((element) => element.isTypeOnly)));
      refs.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly =
        node.isTypeOnly ||
        (node.exportClause !== undefined &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.length > 0 &&
          node.exportClause.elements.every((element) => element.isTypeOnly));
      refs.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      refs.push({ specifier: node.arguments[0].text, typeOnly: false });
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      refs.push({ specifier: node.argument.literal.text, typeOnly: true });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      refs.push({ specifier: node.moduleReference.expression.text, typeOnly: node.isTypeOnly });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return refs;
}

/** Resolve a relative specifier of `from` to a path in `files` (`.js` or no extension, or a folder index). */
function resolve(from: string, specifier: string, files: ReadonlyMap<string, string>): string | undefined {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  const stem = base.replace(/\.js$/, "");
  for (const candidate of [`${stem}.ts`, `${stem}/index.ts`, base]) if (files.has(candidate)) return candidate;
  return undefined;
}

/** Globals the pure core must not read (DESIGN.md section 3: no timers, Date, Math.random, DOM, async, I/O). */
const FORBIDDEN_IN_RAFT = new Set([
  "setTimeout",
  "setInterval",
  "clearTimeout",
  "clearInterval",
  "setImmediate",
  "queueMicrotask",
  "Date",
  "performance",
  "window",
  "document",
  "globalThis",
  "navigator",
  "Promise",
  "fetch",
  "crypto",
]);

/** Identifiers that are names (of a property, member or key), not references to a global. */
function isNameOnly(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return true;
  if (ts.isQualifiedName(parent) && parent.right === node) return true;
  if (
    (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertySignature(parent)) &&
    parent.name === node
  )
    return true;
  if ((ts.isMethodDeclaration(parent) || ts.isMethodSignature(parent)) && parent.name === node) return true;
  if (ts.isGetAccessorDeclaration(parent) || ts.isSetAccessorDeclaration(parent)) return parent.name === node;
  if (ts.isEnumMember(parent) && parent.name === node) return true;
  return false;
}

/** Forbidden globals and asynchrony in one core file: `line: what`. */
function raftGlobalsOf(path: string, source: string): string[] {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const at = (node: ts.Node) => file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && FORBIDDEN_IN_RAFT.has(node.text) && !isNameOnly(node)) {
      found.push(`${at(node)}: ${node.text}`);
    } else if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "Math" &&
      node.name.text === "random"
    ) {
      found.push(`${at(node)}: Math.random`);
    } else if (ts.isAwaitExpression(node)) {
      found.push(`${at(node)}: await`);
    } else if (ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
      found.push(`${at(node)}: async`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const TIMERS = new Set(["setTimeout", "setInterval", "clearTimeout", "clearInterval", "performance"]);

/** Reads of time outside the injected clock (`line: what`): timers, `performance`, `Date.now`. */
function clockReadsOf(path: string, source: string): string[] {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const at = (node: ts.Node) => file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && TIMERS.has(node.text) && !isNameOnly(node)) found.push(`${at(node)}: ${node.text}`);
    else if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "Date" &&
      node.name.text === "now"
    ) {
      found.push(`${at(node)}: Date.now`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Every violation in a file set (paths relative to src/, posix): `file: what`. Empty when the layers hold. */
function violationsOf(files: ReadonlyMap<string, string>): string[] {
  const violations: string[] = [];
  for (const [path, source] of files) {
    const layer = layerOf(path);
    const rule = RULES[layer];
    for (const { specifier, typeOnly } of importsOf(path, source)) {
      if (!specifier.startsWith(".")) {
        if (!rule.packages) violations.push(`${path}: ${layer} imports the package ${specifier}`);
        continue;
      }
      const target = resolve(path, specifier, files);
      if (target === undefined) {
        violations.push(`${path}: ${specifier} resolves to no file under src/`);
        continue;
      }
      const targetLayer = layerOf(target);
      if (targetLayer === "facade" && layer !== "entry") {
        violations.push(`${path}: imports the facade hamok.ts (only entry points may)`);
        continue;
      }
      if (targetLayer === layer || rule.may.includes(targetLayer)) continue;
      if (typeOnly && rule.typeOnly?.includes(target)) continue;
      violations.push(`${path}: ${layer} may not import ${targetLayer} (${target})`);
    }
    if (layer === "raft") {
      for (const found of raftGlobalsOf(path, source)) violations.push(`${path}:${found} in the pure core`);
    }
    // Time comes from the injected HamokClock everywhere; only clock.ts wraps the platform's.
    if (layer !== "clock") {
      for (const found of clockReadsOf(path, source)) violations.push(`${path}:${found} outside the clock`);
    }
  }
  return violations;
}

/** The real src/ tree. */
function sourceFiles(): Map<string, string> {
  const root = join(import.meta.dirname, "..", "src");
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith(".ts")) files.set(relative(root, full).split("\\").join("/"), readFileSync(full, "utf8"));
    }
  };
  walk(root);
  return files;
}

describe("architecture", () => {
  it("src/ keeps the layers: imports point one way and the core stays pure", () => {
    const files = sourceFiles();
    expect(files.size).toBeGreaterThan(50);
    expect(files.has("raft/raft.ts") && files.has("hamok.ts") && files.has("index.ts")).toBe(true);
    expect(violationsOf(files)).toEqual([]);
  });

  it("no runtime module imports the facade, not even type-only", () => {
    const files = sourceFiles();
    const offenders = [...files]
      .filter(([path]) => path.startsWith("runtime/"))
      .filter(([path, source]) =>
        importsOf(path, source).some(({ specifier }) => /(^|\/)hamok(\.js)?$/.test(specifier)),
      );
    expect(offenders.map(([path]) => path)).toEqual([]);
  });
});

describe("the architecture checker", () => {
  const base = (extra: Record<string, string>) =>
    new Map(
      Object.entries({
        "errors.ts": "export class HamokError extends Error {}\n",
        "clock.ts": "export const realClock = {};\n",
        "util/random.ts": "export const r = () => 0.5;\n",
        "raft/types.ts": "export interface Entry { readonly index: number }\n",
        "raft/raft.ts": 'import type { Entry } from "./types";\nexport const first = (e: Entry) => e.index;\n',
        "messages/hamok-message.ts": 'import type { Entry } from "../raft/types";\nexport type M = { e: Entry };\n',
        "hamok.ts": 'import { first } from "./raft/raft";\nexport class Hamok { f = first; }\n',
        "index.ts": 'export { Hamok } from "./hamok.js";\n',
        ...extra,
      }),
    );

  it("accepts a well-layered file set", () => {
    expect(violationsOf(base({}))).toEqual([]);
  });

  it("fails on a core file importing outside the core, or any package", () => {
    const files = base({
      "raft/leader.ts": 'import { HamokError } from "../errors";\nimport { EventEmitter } from "eventemitter3";\n',
    });
    expect(violationsOf(files)).toEqual([
      "raft/leader.ts: raft may not import errors (errors.ts)",
      "raft/leader.ts: raft imports the package eventemitter3",
    ]);
  });

  it("fails on a runtime module importing the facade, even type-only, and on a transport importing the runtime", () => {
    const files = base({
      "runtime/peer/peer-runtime.ts": 'import type { Hamok } from "../../hamok.js";\nexport type H = Hamok;\n',
      "runtime/peer/config.ts": "export const c = 1;\n",
      "transport/zero-config.ts": 'export { c } from "../runtime/peer/config.js";\n',
    });
    expect(violationsOf(files)).toEqual([
      "runtime/peer/peer-runtime.ts: imports the facade hamok.ts (only entry points may)",
      "transport/zero-config.ts: transport may not import runtime (runtime/peer/config.ts)",
    ]);
  });

  it("allows the core's data types to messages only type-only, never its code", () => {
    const files = base({
      "messages/codec.ts": 'import { first } from "../raft/raft";\nimport { Entry } from "../raft/types";\n',
    });
    expect(violationsOf(files)).toEqual([
      "messages/codec.ts: messages may not import raft (raft/raft.ts)",
      "messages/codec.ts: messages may not import raft (raft/types.ts)",
    ]);
  });

  it("fails on timers, the wall clock, randomness, DOM and asynchrony in the core, not on names that merely match", () => {
    const files = base({
      "raft/bad.ts": [
        "export function f() {",
        "  setTimeout(() => undefined, 1);",
        "  const t = Date.now() + Math.random();",
        "  return globalThis.document ?? window;",
        "}",
        "export async function g(p: Promise<number>) { return await p; }",
        "export const ok = { Date: 1, window: 2 }.Date + ({} as { document: number }).document;",
      ].join("\n"),
    });
    expect(violationsOf(files)).toEqual([
      "raft/bad.ts:2: setTimeout in the pure core",
      "raft/bad.ts:3: Date in the pure core",
      "raft/bad.ts:3: Math.random in the pure core",
      "raft/bad.ts:4: globalThis in the pure core",
      "raft/bad.ts:4: window in the pure core",
      "raft/bad.ts:6: async in the pure core",
      "raft/bad.ts:6: Promise in the pure core",
      "raft/bad.ts:6: await in the pure core",
      "raft/bad.ts:2: setTimeout outside the clock",
      "raft/bad.ts:3: Date.now outside the clock",
    ]);
  });

  it("fails on time read outside the injected clock anywhere under src/, but not in clock.ts", () => {
    const files = base({
      "clock.ts": "export const realClock = { now: () => Date.now(), t: () => globalThis.setTimeout };\n",
      "runtime/peer/raft-driver.ts": "export const start = () => setInterval(() => Date.now(), 10);\n",
    });
    expect(violationsOf(files)).toEqual([
      "runtime/peer/raft-driver.ts:1: setInterval outside the clock",
      "runtime/peer/raft-driver.ts:1: Date.now outside the clock",
    ]);
  });

  it("sees re-exports, dynamic imports and import types", () => {
    const refs = importsOf(
      "x.ts",
      'export * from "./a";\nconst m = import("./b.js");\ntype T = import("./c").T;\nimport type { D } from "./d";\n',
    );
    expect(refs).toEqual([
      { specifier: "./a", typeOnly: false },
      { specifier: "./b.js", typeOnly: false },
      { specifier: "./c", typeOnly: true },
      { specifier: "./d", typeOnly: true },
    ]);
  });
});
