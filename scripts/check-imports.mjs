// Layering check on the compiled tree: shared imports neither coordinator nor worker;
// coordinator and worker import only shared (and packages); cli may import all three.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..', 'dist');
const allowed = { shared: ['shared'], coordinator: ['shared', 'coordinator'], worker: ['shared', 'worker'] };
const bad = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.js')) check(p);
  }
}
function check(file) {
  const top = relative(root, file).split('/')[0];
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const target = relative(root, resolve(dirname(file), m[1])).split('/')[0];
    if (!allowed[top].includes(target)) bad.push(`${relative(root, file)} imports ${m[1]} (${top} may import only ${allowed[top].join(', ')})`);
  }
}
for (const top of Object.keys(allowed)) walk(join(root, top));
if (bad.length > 0) {
  console.error(`layering violations:\n  ${bad.join('\n  ')}`);
  process.exit(1);
}
console.log('layering: ok (shared ← coordinator, shared ← worker, all ← cli)');
