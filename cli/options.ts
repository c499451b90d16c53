/**
 * Option groups shared by commands, and config-file loading. Precedence: command-line flags,
 * then QUIVER_* environment variables (QUIVER_NATS, QUIVER_STORE, QUIVER_S3_ENDPOINT,
 * QUIVER_COORDINATOR, QUIVER_TOKEN, ...), then the config file (--config, else
 * ./quiver.config.yaml, else ~/.config/quiver/config.yaml), then defaults.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { parse as parseYaml } from 'yaml';
import { QuiverError } from '../shared/errors.js';
import type { S3Options } from '../shared/store/types.js';
import { resolveS3Options } from '../shared/store/index.js';

export const DEFAULT_COORDINATOR = 'http://127.0.0.1:7070';
export const TOKEN_FILE = '.quiver/coordinator.token';

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new QuiverError('OPTION_INVALID', `cannot read config file ${path}: ${(err as Error).message}`);
  }
  const value: unknown = parseYaml(text);
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new QuiverError('OPTION_INVALID', `config file ${path} must hold a mapping of option: value`);
  return value as Record<string, unknown>;
}

export function defaultConfigPath(): string | undefined {
  const candidates = ['quiver.config.yaml', join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'quiver', 'config.yaml')];
  return candidates.find((p) => existsSync(p));
}

export const natsOptions = <T>(y: Argv<T>) =>
  y
    .option('nats', { type: 'string', describe: 'NATS server URL with JetStream enabled (env QUIVER_NATS)', demandOption: 'give --nats or set QUIVER_NATS' })
    .option('namespace', { type: 'string', default: 'quiver', describe: 'Prefix of stream, subject and bucket names; coordinator and workers must agree' })
    .option('ack-wait', { type: 'number', default: 30_000, describe: 'Ms a worker may hold a task without a sign of life before it is redelivered' })
    .option('max-deliver', { type: 'number', default: 4, describe: 'Deliveries of a task before it is dead-lettered' });

export const s3Options = <T>(y: Argv<T>) =>
  y
    .option('s3-endpoint', { type: 'string', describe: 'S3-compatible endpoint, e.g. http://minio:9000 (env QUIVER_S3_ENDPOINT)' })
    .option('s3-region', { type: 'string', describe: 'S3 region (default us-east-1)' })
    .option('s3-path-style', { type: 'boolean', describe: 'Path-style bucket addressing (default on when an endpoint is set)' })
    .option('s3-access-key', { type: 'string', describe: 'S3 access key; prefer env QUIVER_S3_ACCESS_KEY or the config file' })
    .option('s3-secret-key', { type: 'string', describe: 'S3 secret key; prefer env QUIVER_S3_SECRET_KEY or the config file' })
    .option('s3-session-token', { type: 'string', describe: 'S3 session token for temporary credentials (env QUIVER_S3_SESSION_TOKEN)' });

export function s3From(argv: { s3Endpoint?: string; s3Region?: string; s3PathStyle?: boolean; s3AccessKey?: string; s3SecretKey?: string; s3SessionToken?: string }): S3Options {
  const partial: S3Options = {};
  if (argv.s3Endpoint !== undefined) partial.endpoint = argv.s3Endpoint;
  if (argv.s3Region !== undefined) partial.region = argv.s3Region;
  if (argv.s3PathStyle !== undefined) partial.pathStyle = argv.s3PathStyle;
  if (argv.s3AccessKey !== undefined) partial.accessKey = argv.s3AccessKey;
  if (argv.s3SecretKey !== undefined) partial.secretKey = argv.s3SecretKey;
  if (argv.s3SessionToken !== undefined) partial.sessionToken = argv.s3SessionToken;
  return resolveS3Options(partial);
}

export const clientOptions = <T>(y: Argv<T>) =>
  y
    .option('coordinator', { type: 'string', default: DEFAULT_COORDINATOR, describe: 'Coordinator API URL (env QUIVER_COORDINATOR)' })
    .option('token', { type: 'string', describe: `API bearer token (env QUIVER_TOKEN; default: read from ${TOKEN_FILE})` });

export function tokenFrom(argv: { token?: string }): string {
  if (argv.token !== undefined && argv.token !== '') return argv.token;
  if (existsSync(TOKEN_FILE)) return readFileSync(TOKEN_FILE, 'utf8').trim();
  throw new QuiverError('OPTION_INVALID', `no API token: pass --token, set QUIVER_TOKEN, or run from the directory where the coordinator wrote ${TOKEN_FILE}`);
}
