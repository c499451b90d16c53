// Compiles every WebAssembly text kernel (shared/**/*.wat) to dist/shared/**/*.wasm with wabt
// (a devDependency): the kernels are built from source here, no binary is committed.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import wabtInit from 'wabt';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const wabt = await wabtInit();
let built = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.wat')) compile(p);
  }
}
function compile(file) {
  const rel = relative(root, file);
  const mod = wabt.parseWat(rel, readFileSync(file, 'utf8'), { simd: true });
  try {
    mod.validate();
    const out = join(root, 'dist', rel.replace(/\.wat$/, '.wasm'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, mod.toBinary({}).buffer);
    built++;
  } finally {
    mod.destroy();
  }
}
walk(join(root, 'shared'));
if (built === 0) {
  console.error('build-wasm: no .wat kernel found under shared/');
  process.exit(1);
}
