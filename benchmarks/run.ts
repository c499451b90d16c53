/**
 * Benchmarks: `npm run bench -- <dispatch|ingest|sources|churn|recs> [--tasks N] [--rows N]`. Prints a Markdown
 * table with the machine; copy it into benchmarks/RESULTS.md with the command.
 */
import { setLogLevel } from '../shared/log.js';
import { benchChurn } from './churn.js';
import type { ChurnModel } from './churn.js';
import { benchDispatch } from './dispatch.js';
import { machine } from './harness.js';
import { benchIngest } from './ingest.js';
import { benchRecs } from './recs.js';
import { benchSources } from './sources.js';

const [scenario, ...rest] = process.argv.slice(2);

/** `--models lr,tree` (default both): which churn models every engine trains. */
function churnModels(): ChurnModel[] {
  const i = rest.indexOf('--models');
  const names = i >= 0 ? (rest[i + 1] ?? '').split(',').map((m) => m.trim()) : ['lr', 'tree'];
  const bad = names.filter((m) => m !== 'lr' && m !== 'tree');
  if (bad.length > 0 || names.length === 0) {
    console.error(`--models ${rest[i + 1] ?? ''}: use lr, tree or lr,tree`);
    process.exit(2);
  }
  return (['lr', 'tree'] as const).filter((m) => names.includes(m));
}
const flag = (name: string, dflt: number): number => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? Number(rest[i + 1]) : dflt;
};

setLogLevel('warn');
console.log(`machine: ${machine()}`);
switch (scenario) {
  case 'dispatch':
    await benchDispatch({ tasks: flag('tasks', 2000) });
    break;
  case 'ingest':
    await benchIngest({ rows: flag('rows', 1_000_000) });
    break;
  case 'sources':
    await benchSources({ rows: flag('rows', 1_000_000) });
    break;
  case 'churn':
    await benchChurn({ rows: flag('rows', 1_000_000), models: churnModels(), skipCluster: rest.includes('--skip-cluster'), skipPython: rest.includes('--skip-python') });
    break;
  case 'recs':
    await benchRecs({ users: flag('users', 1_000_000), items: flag('items', 10_000), rank: flag('rank', 64), iterations: flag('iterations', 5), skipCluster: rest.includes('--skip-cluster'), skipPython: rest.includes('--skip-python') });
    break;
  default:
    console.error('usage: npm run bench -- <dispatch|ingest|sources|churn|recs> [--tasks N] [--rows N] [--users N --items M]');
    process.exitCode = 2;
}
