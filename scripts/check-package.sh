#!/usr/bin/env bash
# `npm run check:package` (part of `npm test`): builds and packs the package, then checks the tarball as users get
# it: publint (package.json and files), @arethetypeswrong/cli (types of every entry resolve for bundler and node16
# ESM; the package is ESM-only, so node10 and CommonJS type resolution are out of scope), a TypeScript consumer
# compiled under moduleResolution bundler, node16 and nodenext without skipLibCheck, no `@internal` member in the
# declarations, Node itself: `import` of every entry and `require("hamok")` (Node >= 20.19 requires ESM), and
# the API reference (typedoc with warnings as errors: every export documented).
set -euo pipefail
cd "$(dirname "$0")/.."
repository="$PWD"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

npm run build --silent >/dev/null
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "== publint"; npx publint --strict "$work/$tarball"
echo "== are the types wrong"; npx attw --profile esm-only "$work/$tarball"

echo "== no @internal in the shipped declarations"
if grep -rl "@internal" dist --include='*.d.ts'; then echo "@internal members are public" >&2; exit 1; fi

# A consumer project with the tarball unpacked as node_modules/hamok and the dependencies taken from this repository.
consumer="$work/consumer"
mkdir -p "$consumer/node_modules/hamok"
tar -xzf "$work/$tarball" -C "$consumer/node_modules/hamok" --strip-components=1
for dependency in $(node -p 'Object.keys(require("./package.json").dependencies).join(" ")') @types/node; do
  mkdir -p "$consumer/node_modules/$(dirname "$dependency")"
  ln -s "$repository/node_modules/$dependency" "$consumer/node_modules/$dependency"
done
cp scripts/package-consumer/consumer.ts "$consumer/consumer.ts"
echo '{ "type": "module" }' >"$consumer/package.json"
for resolution in bundler node16 nodenext; do
  module=esnext
  [[ "$resolution" == bundler ]] || module="$resolution"
  echo "== tsc, moduleResolution $resolution"
  (cd "$consumer" && "$repository/node_modules/.bin/tsc" --noEmit --strict --skipLibCheck false \
    --target es2022 --lib es2023,dom --types node --module "$module" --moduleResolution "$resolution" consumer.ts)
done

echo "== node: import every entry, require the root"
(cd "$consumer" && node --input-type=module -e '
  const core = await import("hamok");
  const entries = [core, await import("hamok/webrtc"), await import("hamok/indexeddb"), await import("hamok/advanced")];
  if (typeof core.Hamok !== "function" || entries.some((entry) => Object.keys(entry).length === 0)) process.exit(1);
  console.log("import: ok");
')
(cd "$consumer" && node -e 'const { Hamok } = require("hamok"); if (typeof Hamok !== "function") process.exit(1); console.log("require: ok")')
echo "== API reference: typedoc over the entries, an undocumented export is an error"
npx typedoc --out "$work/api" --logLevel Warn
echo "package checks passed"
