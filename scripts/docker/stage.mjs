// Copies what one deployable needs at run time into an output folder laid out like the repository:
// the root package.json and package-lock.json, the deployable's package.json and compiled lib/, and the same
// for every workspace package it depends on (transitively). Tests, declarations and source maps are left out.
// The Dockerfiles run it after `tsc -b`, then `npm ci --omit=dev --workspace <dir>` in the output folder.
//
//   node scripts/docker/stage.mjs services/ingest /out
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [workspace, out] = process.argv.slice(2);
if (!workspace || !out) {
  console.error('usage: node scripts/docker/stage.mjs <workspace dir> <output dir>');
  process.exit(2);
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const root = readJson('package.json');

const dirByName = new Map();
for (const pattern of root.workspaces) {
  const parent = pattern.endsWith('/*') ? pattern.slice(0, -2) : pattern;
  // The image's build context leaves some workspaces out (tests, bench).
  if (!existsSync(parent)) continue;
  const dirs = pattern.endsWith('/*')
    ? readdirSync(parent, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => join(pattern.slice(0, -2), d.name))
    : [pattern];
  for (const dir of dirs) {
    if (existsSync(join(dir, 'package.json'))) dirByName.set(readJson(join(dir, 'package.json')).name, dir);
  }
}

const needed = new Set();
const visit = (dir) => {
  if (needed.has(dir)) return;
  needed.add(dir);
  for (const dep of Object.keys(readJson(join(dir, 'package.json')).dependencies ?? {})) {
    const depDir = dirByName.get(dep);
    if (depDir) visit(depDir);
  }
};
visit(workspace);

const runtimeFile = (src) => !/\.(test\.js|d\.ts|d\.ts\.map|js\.map)$/.test(src);
mkdirSync(out, { recursive: true });
cpSync('package.json', join(out, 'package.json'));
cpSync('package-lock.json', join(out, 'package-lock.json'));
for (const dir of [...needed].sort()) {
  if (!existsSync(join(dir, 'lib'))) throw new Error(`${dir}/lib is missing: build with tsc -b first`);
  mkdirSync(join(out, dir), { recursive: true });
  cpSync(join(dir, 'package.json'), join(out, dir, 'package.json'));
  cpSync(join(dir, 'lib'), join(out, dir, 'lib'), { recursive: true, filter: runtimeFile });
  for (const extra of ['schema']) {
    if (existsSync(join(dir, extra))) cpSync(join(dir, extra), join(out, dir, extra), { recursive: true });
  }
  console.log(`staged ${dir}`);
}
console.log(`staged ${workspace} into ${out}: ${needed.size} workspace packages`);
