/**
 * Streaming ingestion: IoT readings from MQTT or NATS, micro-batched into Arrow shards, with
 * tumbling event-time windows, alerts and a quarantine. See docs/streams.md.
 *
 * ```ts
 * import { loadStreamSpec, StreamRunner } from '../shared/stream/index.js';
 * import { createStore } from '../shared/store/index.js';
 *
 * const plan = await loadStreamSpec('streams/sensors.yaml');
 * const runner = await StreamRunner.start({ plan, store: createStore(), maxMessages: 100_000 });
 * process.once('SIGINT', () => void runner.stop('signal'));
 * const summary = await runner.done; // { received, written, quarantined: { malformed, late }, windows, alerts, ... }
 * ```
 */
export { loadStreamSpec, parseStreamSpec, validateStreamSpec, STREAM_DEFAULTS } from './spec.js';
export { streamSpecSchema } from './spec-schema.js';
export { StreamRunner } from './runner.js';
export type { StopReason, StreamRunnerOptions, StreamStats, StreamSummary } from './runner.js';
export { MicroBatcher } from './batcher.js';
export type { FlushReason, MicroBatcherOptions } from './batcher.js';
export { WindowAggregator, windowSchema, statColumn } from './windows.js';
export type { OfferResult, WindowRow } from './windows.js';
export { compileAlertRules } from './alerts.js';
export type { Alert, CompiledAlertRule } from './alerts.js';
export { readingParser } from './parse.js';
export type { ParseResult } from './parse.js';
export { StreamOutput, partitionByDate, utcDate } from './output.js';
export { connectBroker, redactUrl } from './broker.js';
export type { BrokerConnection, BrokerOptions, BrokerSubscription } from './broker.js';
export { openSource } from './sources.js';
export { systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { formatDuration, parseDuration } from './duration.js';
export type { Reading, StreamPlan, StreamSpec } from './types.js';
