/**
 * `quiver stream spec.yaml [--duration 30s] [--max-messages N] [--json]`: runs a stream spec
 * (docs/streams.md) until Ctrl-C / SIGTERM, the duration, or N messages; then flushes and
 * prints the summary. On a TTY a one-line status (msgs/s, batches, windows, alerts,
 * quarantined) refreshes on stderr.
 */
import type { Argv } from 'yargs';
import type { CommonArgs } from '../action.js';
import { QuiverError } from '../../shared/errors.js';
import { createStore } from '../../shared/store/index.js';
import { formatDuration, loadStreamSpec, parseDuration, StreamRunner } from '../../shared/stream/index.js';
import type { StopReason, StreamSummary } from '../../shared/stream/index.js';
import { act, EXIT, printJson } from '../action.js';
import { bytes, n } from '../format.js';
import { s3From, s3Options } from '../options.js';

function renderSummary(s: StreamSummary): string {
  const q = s.quarantined;
  const lines = [
    `stream ${s.name}: stopped (${s.stoppedBy}) after ${formatDuration(Math.round(s.seconds * 1000))}; source ${s.source}`,
    `  received ${n(s.received)} messages: ${n(s.written)} written in ${n(s.batches)} batches (${n(s.shards)} shards), ` +
      `${n(q.total)} quarantined (${n(q.malformed)} malformed, ${n(q.late)} late)${s.unwritten > 0 ? `, ${n(s.unwritten)} NOT written` : ''}`,
    `  windows: ${n(s.windows.closed)} closed; alerts: ${n(s.alerts.raised)} raised, ${n(s.alerts.published)} published${s.alerts.failed > 0 ? `, ${n(s.alerts.failed)} failed to publish` : ''}`,
    `  watermark: ${s.watermark ?? '-'}; ${bytes(s.bytes)} stored under ${s.output}`,
  ];
  if (!s.balanced) lines.push('  WARNING: counts do not balance (received ≠ written + quarantined + not written); please report this');
  return lines.join('\n');
}

/** A status line refreshed in place on a TTY. */
function statusLine(runner: StreamRunner, stream: NodeJS.WriteStream): () => void {
  let last = { at: Date.now(), received: 0 };
  let rate = 0;
  const timer = setInterval(() => {
    const s = runner.stats();
    const now = Date.now();
    rate = (s.received - last.received) / Math.max(0.001, (now - last.at) / 1000);
    last = { at: now, received: s.received };
    const text =
      `${n(Math.round(rate))} msgs/s | ${n(s.received)} received | ${n(s.batches)} batches | ` +
      `${n(s.windows.open)} open / ${n(s.windows.closed)} closed windows | ${n(s.alerts.raised)} alerts | ${n(s.quarantined.total)} quarantined`;
    const width = stream.columns !== undefined && stream.columns > 0 ? stream.columns : 120;
    stream.write(`\r\x1b[K${text.slice(0, Math.max(20, width - 1))}`);
  }, 500);
  return () => {
    clearInterval(timer);
    stream.write('\r\x1b[K');
  };
}

export function registerStream<T extends CommonArgs>(y: Argv<T>): Argv<T> {
  return y.command(
    'stream <spec>',
    'Ingest IoT readings from MQTT or NATS into Arrow shards with windowed aggregates and alerts (docs/streams.md)',
    (c) =>
      s3Options(
        c
          .positional('spec', { type: 'string', demandOption: true, describe: 'Stream spec file (YAML or JSON)' })
          .option('duration', { type: 'string', describe: 'Stop after this long, e.g. 30s, 10m (default: until Ctrl-C or SIGTERM)' })
          .option('max-messages', { type: 'number', describe: 'Stop after this many messages' })
          .option('output', { type: 'string', describe: "Override the spec's output (store URI or folder)" }),
      ),
    async (argv) => act(argv, async () => {
      const durationMs = argv.duration === undefined ? undefined : parseDuration(argv.duration, '--duration');
      const max = argv.maxMessages;
      if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw QuiverError.nonRetryable('OPTION_INVALID', `--max-messages must be a whole number ≥ 1, got ${max}`);
      const plan = await loadStreamSpec(argv.spec);
      if (argv.output !== undefined) plan.output = argv.output;
      const store = createStore({ s3: s3From(argv) });
      const runner = await StreamRunner.start(max === undefined ? { plan, store } : { plan, store, maxMessages: max });
      const tty = argv.json !== true && process.stderr.isTTY === true;
      process.stderr.write(`stream ${plan.name}: listening; Ctrl-C stops, flushes and prints the summary\n`);
      const stopStatus = tty ? statusLine(runner, process.stderr) : () => undefined;
      let signals = 0;
      const onSignal = (): void => {
        if (++signals > 1) process.exit(130); // a second Ctrl-C: give up on flushing
        void runner.stop('signal');
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const timer = durationMs === undefined ? undefined : setTimeout(() => void runner.stop('duration' satisfies StopReason), durationMs);
      let summary: StreamSummary;
      try {
        summary = await runner.done;
      } finally {
        if (timer !== undefined) clearTimeout(timer);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        stopStatus();
        await store.close?.();
      }
      if (argv.json === true) printJson(summary);
      else process.stdout.write(`${renderSummary(summary)}\n`);
      if (summary.error !== undefined) {
        if (argv.json !== true) process.stderr.write(`error [${summary.error.code}]: ${summary.error.message}\n`);
        return summary.error.code === 'STORE_FAILED' || summary.error.code === 'BUS_FAILED' ? EXIT.unavailable : EXIT.jobFailed;
      }
      return EXIT.ok;
    }),
  );
}
