/**
 * Part of `npm run build`: makes every relative specifier in the emitted declarations (`dist/**\/*.d.ts`) a full
 * ESM path (`./hamok.js`, `./collections/index.js`), as `moduleResolution` `node16`/`nodenext` require (TS2834
 * otherwise, and with `skipLibCheck` every export silently turns into `any`). tsc copies specifiers as written in
 * the source, and part of `src/` still imports without an extension; a specifier that already names a file is
 * left alone, so this is a no-op once every source import carries `.js`. Fails on a specifier that resolves to no
 * emitted declaration.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const dist = resolve(import.meta.dirname, "..", "dist");

function declarations(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return declarations(path);
    return path.endsWith(".d.ts") ? [path] : [];
  });
}

/** `from "./x"`, `import("./x")`, `declare module "./x"`: every place a declaration names another module. */
const SPECIFIER = /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\bmodule\s+)(["'])(\.{1,2}\/[^"']*)\2/g;

function fullSpecifier(file: string, specifier: string): string {
  if (/\.(js|mjs|cjs|json)$/.test(specifier)) return specifier;
  const base = resolve(dirname(file), specifier);
  if (existsSync(`${base}.d.ts`)) return `${specifier}.js`;
  if (existsSync(join(base, "index.d.ts"))) return `${specifier}/index.js`;
  throw new Error(`${file}: no declaration for "${specifier}"`);
}

let rewritten = 0;
for (const file of declarations(dist)) {
  const text = readFileSync(file, "utf8");
  const next = text.replace(SPECIFIER, (_match, keyword: string, quote: string, specifier: string) => {
    return `${keyword}${quote}${fullSpecifier(file, specifier)}${quote}`;
  });
  if (next !== text) {
    writeFileSync(file, next);
    rewritten += 1;
  }
}
console.log(`declaration specifiers: ${rewritten} file(s) rewritten`);
