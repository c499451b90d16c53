/**
 * `quiver gen sensors --mqtt url --topic prefix | --nats url --subject prefix [--devices 50]
 * [--rate 200/s] [--duration 30s | --messages N] [--seed 7] [--bad-rate 0.01] [--late-rate 0.01]`:
 * publishes simulated IoT readings (coordinator/gen/sensors.ts), one topic/subject per
 * device: `<prefix>/<device>` (MQTT) or `<prefix>.<device>` (NATS).
 *
 * `gen users` (a churn table file, coordinator/gen/users.ts), `gen transactions --users N`
 * (purchases of the users `gen users --rows N` wrote, coordinator/gen/transactions.ts) and
 * `gen interactions --users N --items M` (implicit feedback with a held-out split,
 * coordinator/gen/interactions.ts) are the same command's file data sets.
 */
import type { Argv } from 'yargs';
import type { CommonArgs } from '../action.js';
import { publishSensors } from '../../coordinator/gen/sensors.js';
import type { SensorGenOptions } from '../../coordinator/gen/sensors.js';
import { generateInteractions } from '../../coordinator/gen/interactions.js';
import { generateTransactions } from '../../coordinator/gen/transactions.js';
import { generateUsers } from '../../coordinator/gen/users.js';
import { QuiverError } from '../../shared/errors.js';
import { connectBroker, parseDuration } from '../../shared/stream/index.js';
import type { BrokerConnection } from '../../shared/stream/index.js';
import { act, printJson } from '../action.js';
import { bytes, n } from '../format.js';

const RATE_UNITS = { s: 1, m: 60, h: 3600 } as const;

/** `200`, `200/s`, `1200/m`, `50000/h` → messages per second. */
export function parseRate(text: string | number): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|m|h))?\s*$/.exec(String(text));
  const rate = m === null ? NaN : Number(m[1]) / RATE_UNITS[(m[2] ?? 's') as keyof typeof RATE_UNITS];
  if (!(rate > 0)) throw QuiverError.nonRetryable('OPTION_INVALID', `--rate "${text}" is not a rate; write e.g. 200/s, 1200/m or 200`);
  return rate;
}

function optionError(message: string): QuiverError {
  return QuiverError.nonRetryable('OPTION_INVALID', message);
}

export function registerGenSensors<T extends CommonArgs>(y: Argv<T>): Argv<T> {
  return y.command(
    'gen <dataset>',
    'Generate realistic data: users (a churn table file with mixed types, missing values and dirt), transactions (purchases of those users), interactions (implicit feedback with a held-out split, for recommendations) or sensors (IoT readings published to MQTT or NATS)',
    (c) =>
      c
        .usage('$0 gen users [--rows N] [--out file]\n$0 gen transactions --users N [--rows M] [--out file]\n$0 gen interactions [--users N] [--items M] [--per-user K] [--holdout H] [--out file]\n$0 gen sensors (--mqtt URL --topic PREFIX | --nats URL --subject PREFIX) [options]')
        .positional('dataset', { choices: ['users', 'transactions', 'interactions', 'sensors'] as const, demandOption: true, describe: 'users: a churn table file; transactions: purchases of those users; interactions: implicit feedback (user, item, plays, time) with a held-out split; sensors: IoT readings published to MQTT or NATS' })
        .option('rows', { type: 'number', describe: 'users: rows to generate (default 200000); transactions: transactions to generate (default 1000000)' })
        .option('users', { type: 'number', default: 200_000, describe: 'transactions: the --rows of the gen users file to match (with the same --seed); interactions: users to generate' })
        .option('items', { type: 'number', default: 10_000, describe: 'interactions: catalog size' })
        .option('per-user', { type: 'number', default: 20, describe: 'interactions: mean interactions per user, held-out ones included' })
        .option('holdout', { type: 'number', default: 2, describe: 'interactions: latest interactions per user written to the held-out file (0: none)' })
        .option('rank', { type: 'number', default: 16, describe: 'interactions: rank of the hidden taste structure' })
        .option('heldout-out', { type: 'string', describe: 'interactions: held-out file (default: --out with -heldout before the extension)' })
        .option('out', { type: 'string', describe: 'users, transactions, interactions: output file (.csv or .ndjson, optionally .gz; interactions .csv only; default data/users.csv, data/transactions.csv, data/interactions.csv)' })
        .option('seed', { type: 'number', default: 7, describe: 'Random seed: the same seed gives the same data (transactions: the seed of the users file to match)' })
        .option('mqtt', { type: 'string', describe: 'sensors: MQTT broker URL, e.g. mqtt://127.0.0.1:1883' })
        .option('topic', { type: 'string', default: 'sensors', describe: 'sensors: MQTT topic prefix; each device publishes to <prefix>/<device>' })
        .option('qos', { type: 'number', choices: [0, 1, 2], default: 1, describe: 'sensors: MQTT publish QoS' })
        .option('nats', { type: 'string', describe: 'sensors: NATS server URL, e.g. nats://127.0.0.1:4222' })
        .option('subject', { type: 'string', default: 'sensors', describe: 'sensors: NATS subject prefix; each device publishes to <prefix>.<device>' })
        .option('devices', { type: 'number', default: 50, describe: 'sensors: simulated devices' })
        .option('rate', { type: 'string', default: '200/s', describe: 'sensors: messages per second over all devices (200/s, 1200/m)' })
        .option('duration', { type: 'string', default: '30s', describe: 'sensors: how long to publish (ignored with --messages)' })
        .option('messages', { type: 'number', describe: 'sensors: exactly this many messages' })
        .option('bad-rate', { type: 'number', default: 0.01, describe: 'sensors: fraction of malformed payloads' })
        .option('late-rate', { type: 'number', default: 0.01, describe: 'sensors: fraction of readings with an event time minutes late' })
        .option('spike-rate', { type: 'number', default: 0.002, describe: 'sensors: fraction of readings with a temperature spike above 80' })
        .option('start', { type: 'string', describe: 'sensors: event time of the first reading, ISO 8601 (default now); fixes the bytes with --seed' })
        .option('time-scale', { type: 'number', default: 1, describe: 'sensors: event-time speed-up, e.g. 60 = a minute of readings per second' }),
    async (argv) => act(argv, async () => {
      if (argv.dataset === 'users') {
        const rows = argv.rows ?? 200_000;
        const out = argv.out ?? 'data/users.csv';
        if (!Number.isInteger(rows) || rows < 1) throw optionError(`--rows must be a positive integer, got ${rows}`);
        const r = await generateUsers({ rows, seed: argv.seed, out });
        if (argv.json === true) printJson({ out, ...r });
        else process.stdout.write(`wrote ${n(r.rows)} rows (${bytes(r.bytes)}) to ${out} in ${r.seconds.toFixed(2)}s\n`);
        return;
      }
      if (argv.dataset === 'transactions') {
        const rows = argv.rows ?? 1_000_000;
        const out = argv.out ?? 'data/transactions.csv';
        if (!Number.isInteger(rows) || rows < 1) throw optionError(`--rows must be a positive integer, got ${rows}`);
        if (!Number.isInteger(argv.users) || argv.users < 1) throw optionError(`--users must be a positive integer (the --rows of gen users), got ${argv.users}`);
        const r = await generateTransactions({ users: argv.users, rows, seed: argv.seed, out });
        if (argv.json === true) printJson({ out, ...r });
        else process.stdout.write(`wrote ${n(r.rows)} transactions of ${n(r.activeUsers)} of ${n(r.users)} users (${bytes(r.bytes)}) to ${out} in ${r.seconds.toFixed(2)}s\n`);
        return;
      }
      if (argv.dataset === 'interactions') {
        const out = argv.out ?? 'data/interactions.csv';
        const r = await generateInteractions({
          users: argv.users, items: argv.items, perUser: argv.perUser, holdout: argv.holdout, rank: argv.rank, seed: argv.seed, out,
          ...(argv.heldoutOut === undefined ? {} : { heldOutOut: argv.heldoutOut }),
        });
        if (argv.json === true) printJson(r);
        else {
          process.stdout.write(`wrote ${n(r.rows)} interactions of ${n(r.users)} users with ${n(r.items)} items (${bytes(r.bytes)}) to ${out}` +
            `${r.heldOutOut === null ? '' : `, ${n(r.heldOutRows)} held out to ${r.heldOutOut}`} in ${r.seconds.toFixed(2)}s\n`);
        }
        return;
      }
      if ((argv.mqtt === undefined) === (argv.nats === undefined)) throw optionError('gen sensors: give exactly one of --mqtt URL or --nats URL');
      const opts: SensorGenOptions = {
        devices: argv.devices,
        rate: parseRate(argv.rate),
        durationMs: parseDuration(argv.duration, '--duration'),
        seed: argv.seed,
        badRate: argv.badRate,
        lateRate: argv.lateRate,
        spikeRate: argv.spikeRate,
        timeScale: argv.timeScale,
      };
      if (argv.messages !== undefined) opts.messages = argv.messages;
      if (argv.start !== undefined) {
        const start = Date.parse(argv.start);
        if (Number.isNaN(start)) throw optionError(`--start "${argv.start}" is not a time; write e.g. 2024-05-01T00:00:00Z`);
        opts.start = start;
      }
      const conn: BrokerConnection = argv.mqtt !== undefined ? await connectBroker({ kind: 'mqtt', url: argv.mqtt }) : await connectBroker({ kind: 'nats', servers: argv.nats!, name: 'quiver-gen-sensors' });
      const qos = argv.qos as 0 | 1 | 2;
      const sink = { publish: (target: string, data: Uint8Array) => conn.publish(target, data, { qos }), flush: () => conn.flush() };
      const targetOf = argv.mqtt !== undefined ? (d: string) => `${argv.topic}/${d}` : (d: string) => `${argv.subject}.${d}`;
      const abort = new AbortController();
      const onSignal = (): void => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const r = await publishSensors(opts, sink, targetOf, { signal: abort.signal });
        if (argv.json === true) printJson({ target: `${conn.server} ${targetOf('<device>')}`, ...r });
        else {
          process.stdout.write(
            `published ${n(r.sent)} messages from ${n(r.devices)} devices to ${conn.server} ${targetOf('<device>')} in ${r.seconds.toFixed(2)}s: ` +
              `${n(r.readings)} readings (${n(r.spikes)} spikes), ${n(r.malformed)} malformed, ${n(r.late)} late; event time ${r.firstEventTime ?? '-'} .. ${r.lastEventTime ?? '-'}\n`,
          );
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await conn.close();
      }
    }),
  );
}
