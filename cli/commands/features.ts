/**
 * `quiver features …`: feature views from the command line.
 *
 * ```bash
 * quiver features list                                   # every view version
 * quiver features show user_features@2                   # its features, source and shards
 * quiver features get user_features --key u-17           # one entity, from its one shard
 * quiver features get user_features --key u-17 --as-of 3f2a9c1b   # the version built from that dataset
 * quiver features get user_features --record '{"age": 31, "plan": "pro"}'   # online transform
 * ```
 */
import type { Argv } from 'yargs';
import type { CommonArgs } from '../action.js';
import { QuiverError } from '../../shared/errors.js';
import { FeatureStore } from '../../shared/registry/features.js';
import type { FeatureViewRecord } from '../../shared/registry/types.js';
import { act, EXIT, printJson } from '../action.js';
import { pairs, parseRecord, registryOptions, short, splitRef, table, withRegistry } from './models.js';

function viewRef(ref: string, version: number | undefined): number | 'latest' {
  if (version !== undefined) {
    if (ref !== 'latest') throw new QuiverError('OPTION_INVALID', 'give the version either as view@N or with --version, not both');
    if (!Number.isInteger(version) || version < 1) throw new QuiverError('OPTION_INVALID', `--version must be a whole number >= 1, got ${version}`);
    return version;
  }
  if (ref === 'latest') return 'latest';
  if (!/^v?\d+$/.test(ref)) throw new QuiverError('OPTION_INVALID', `feature view version "${ref}" must be a number (view@3) or latest`);
  return Number(ref.replace(/^v/, ''));
}

function renderList(views: FeatureViewRecord[]): string {
  return table(
    ['NAME', 'VERSION', 'ENTITY', 'FEATURES', 'PARTITIONS', 'DATASET', 'OWNER', 'CREATED'],
    views.map((v) => [v.name, String(v.version), v.entity, String(v.features.length), String(v.partitions), short(v.datasetVersion), v.owner ?? '-', v.createdAt.slice(0, 19).replace('T', ' ')]),
  );
}

function renderShow(v: FeatureViewRecord): string {
  const lines = [`${v.name} v${v.version}${v.description === null ? '' : `: ${v.description}`}`];
  lines.push(
    pairs([
      ['entity', v.entity],
      ['owner', v.owner ?? '-'],
      ['dataset', v.datasetVersion ?? '-'],
      ['pipeline', `${short(v.pipelineVersion)} (${v.pipelineUri})`],
      ['partitions', String(v.partitions)],
      ['code', v.codeVersion],
      ['job', `${v.jobId} / ${v.stage}`],
      ['created', v.createdAt],
    ]),
  );
  lines.push('features:', table(['FEATURE', 'TYPE', 'TRANSFORM', 'DESCRIPTION'], v.features.map((f) => [f.name, f.type, f.transform, f.description ?? ''])));
  return lines.join('\n');
}

export function registerFeatures<T extends CommonArgs>(y: Argv<T>): Argv<T> {
  return y.command('features', 'Feature views: list, show, get (by entity key, or online from a record)', (f) =>
    f
      .command(
        'list',
        'Every feature view version',
        (c) => registryOptions(c),
        async (argv) => act(argv, async () => {
          const views = await withRegistry(argv, (r) => new FeatureStore(r).listViews());
          if (argv.json === true) return printJson(views);
          process.stdout.write(views.length === 0 ? `no feature views registered in ${argv.store}\n` : `${renderList(views)}\n`);
        }),
      )
      .command(
        'show <view>',
        'One view version: view or view@N',
        (c) => registryOptions(c).positional('view', { type: 'string', demandOption: true, describe: 'view[@version]' }),
        async (argv) => act(argv, async () => {
          const { name, ref } = splitRef(argv.view, 'feature view');
          const view = await withRegistry(argv, (r) => new FeatureStore(r).getView(name, viewRef(ref, undefined)));
          if (argv.json === true) return printJson(view);
          process.stdout.write(`${renderShow(view)}\n`);
        }),
      )
      .command(
        'get <view>',
        "An entity's features by --key, or a raw --record through the view's pipeline (online)",
        (c) =>
          registryOptions(c)
            .positional('view', { type: 'string', demandOption: true, describe: 'view[@version]' })
            .option('key', { type: 'string', describe: 'Entity key to look up' })
            .option('record', { type: 'string', describe: 'Raw record (JSON object) to transform online' })
            .version(false) // --version is the view version here, not the global flag
            .option('version', { type: 'number', describe: 'View version (default: latest)' })
            .option('as-of', { type: 'string', describe: 'The newest view version built from this dataset version (8+ hex digits)' })
            .conflicts('key', 'record')
            .conflicts('version', 'as-of'),
        async (argv) => act(argv, async () => {
          if ((argv.key === undefined) === (argv.record === undefined)) throw new QuiverError('OPTION_INVALID', "give --key <entity key> or --record '<json>'");
          const { name, ref } = splitRef(argv.view, 'feature view');
          const version = viewRef(ref, argv.version);
          if (argv.asOf !== undefined && version !== 'latest') throw new QuiverError('OPTION_INVALID', 'give either a version or --as-of, not both');
          const raw = argv.record === undefined ? undefined : parseRecord(argv.record);
          return withRegistry(argv, async (r) => {
            const fs = new FeatureStore(r);
            const view = await fs.getView(name, version, argv.asOf === undefined ? {} : { asOfDataset: argv.asOf });
            const at = { name: view.name, version: view.version, datasetVersion: view.datasetVersion };
            if (raw !== undefined) {
              const names = (await fs.pipeline(view)).features;
              const values = await fs.online(view, raw);
              const features = Object.fromEntries(names.map((n, i) => [n, values[i] ?? null]));
              if (argv.json === true) printJson({ view: at, features });
              else process.stdout.write(`${view.name} v${view.version} (online)\n${table(['FEATURE', 'VALUE'], names.map((n, i) => [n, String(values[i])]))}\n`);
              return EXIT.ok;
            }
            const key = argv.key!;
            const row = await fs.getByKey(view, key);
            if (row === null) {
              throw new QuiverError('NOT_FOUND', `${view.entity} ${JSON.stringify(key)} is not in feature view ${view.name} v${view.version} (dataset ${short(view.datasetVersion)})`);
            }
            if (argv.json === true) printJson({ view: at, key, features: row });
            else process.stdout.write(`${view.name} v${view.version}, ${view.entity} = ${key}\n${table(['FEATURE', 'VALUE'], Object.entries(row).filter(([k]) => k !== view.entity).map(([k, v]) => [k, v === null ? 'null' : String(v)]))}\n`);
            return EXIT.ok;
          });
        }),
      )
      .demandCommand(1, 'name a features command: list, show or get'),
  );
}
