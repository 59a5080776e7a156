// Writes ui/src/licences.json: the name, version and licence of every Rust crate and npm package
// that ships in the app, for the About dialog. Run by `./dev licences` from the repository root.
// The lists come from maintained tools reading the lockfiles and manifests: cargo-license (the
// crates the workspace builds, without dev and build dependencies) and license-checker-rseidelsohn
// (the UI's production npm packages; the UI's build tools do not ship).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const run = (program, args, cwd = root) =>
  execFileSync(program, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "inherit"] });

const workspace = new Set(["chatenium-desktop", "chatenium-api", "chatenium-core", "chatenium-server"]);
const rust = JSON.parse(run("cargo", ["license", "--json", "--avoid-dev-deps", "--avoid-build-deps"]))
  .filter((crate) => !workspace.has(crate.name))
  .map((crate) => ({ name: crate.name, version: crate.version, license: crate.license ?? crate.license_file ?? "unknown" }));

const checked = JSON.parse(
  run("npx", ["--yes", "license-checker-rseidelsohn@5.0.1", "--production", "--excludePrivatePackages", "--json", "--start", join(root, "ui")]),
);
const npm = Object.entries(checked).map(([id, entry]) => {
  const at = id.lastIndexOf("@");
  const licenses = Array.isArray(entry.licenses) ? entry.licenses.join(" OR ") : entry.licenses;
  return { name: id.slice(0, at), version: id.slice(at + 1), license: licenses ?? "unknown" };
});

const byName = (a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version);
const output = join(root, "ui/src/licences.json");
// One dependency a line, so a lockfile change shows as a readable diff.
const lines = (list) => list.sort(byName).map((entry) => `  ${JSON.stringify(entry)}`).join(",\n");
writeFileSync(output, `{"rust": [\n${lines(rust)}\n], "npm": [\n${lines(npm)}\n]}\n`);
console.log(`${output}: ${rust.length} crates, ${npm.length} npm packages`);
