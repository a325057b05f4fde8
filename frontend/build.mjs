// Builds static/vendor/codemirror.js (one minified IIFE, nothing loaded from elsewhere) and
// static/vendor/codemirror.LICENSES.txt (the licence of every package the bundle holds).
// Run: cd frontend && npm ci && npm run build
import { build } from "esbuild";
import { readFileSync, writeFileSync, readdirSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "src", "issgraph", "static", "vendor");
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: [join(here, "entry.mjs")],
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "IssgraphCodeMirror",
  target: ["es2020"],
  legalComments: "none",
  metafile: true,
  outfile: join(out, "codemirror.js"),
});

// Every package some bundled file came from, with its version and licence text.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m) packages.add(m[1]);
}
let text = "Licences of the npm packages bundled into codemirror.js (built by frontend/build.mjs).\n";
for (const name of [...packages].sort()) {
  const dir = join(here, "node_modules", name);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^(LICEN[CS]E|COPYING)/i.test(f));
  if (!file) throw new Error(`${name} has no licence file`);
  text += `\n==== ${name} ${meta.version} (${meta.license}) ====\n\n` + readFileSync(join(dir, file), "utf8").trim() + "\n";
}
writeFileSync(join(out, "codemirror.LICENSES.txt"), text);
console.log(`codemirror.js: ${[...packages].sort().join(", ")}`);
