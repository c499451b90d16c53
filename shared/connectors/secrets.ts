/**
 * Secrets in a spec (database URLs, API tokens) are named, not written: `{ env: NAME }` reads an
 * environment variable and `{ file: path }` a file (trailing newline dropped), both in the
 * process that uses them (the worker), so they never travel in task descriptors or job state.
 * A plain string is taken literally (fine for local runs and tests; `quiver validate` cannot
 * tell a secret from a non-secret, so prefer `env` for anything real).
 *
 * ```yaml
 * source: { kind: postgres, url: { env: CRM_DATABASE_URL }, query: "select * from users" }
 * ```
 */
import { readFileSync } from 'node:fs';
import { QuiverError } from '../errors.js';

export type SecretRef = string | { env: string } | { file: string };

/** JSON Schema of a secret field. */
export function secretSchema(description: string): Record<string, unknown> {
  return {
    description: `${description} A string, { env: NAME } (an environment variable of the worker) or { file: path }.`,
    oneOf: [
      { type: 'string', minLength: 1 },
      { type: 'object', required: ['env'], additionalProperties: false, properties: { env: { type: 'string', minLength: 1 } } },
      { type: 'object', required: ['file'], additionalProperties: false, properties: { file: { type: 'string', minLength: 1 } } },
    ],
  };
}

export function isSecretRef(v: unknown): v is SecretRef {
  if (typeof v === 'string') return v.length > 0;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  if (keys.length !== 1) return false;
  const o = v as Record<string, unknown>;
  return (typeof o.env === 'string' && o.env !== '') || (typeof o.file === 'string' && o.file !== '');
}

/** Where the secret comes from, safe to log: `env CRM_URL`, `file /run/secrets/x`, `inline`. */
export function describeSecret(ref: SecretRef): string {
  if (typeof ref === 'string') return 'inline';
  return 'env' in ref ? `env ${ref.env}` : `file ${ref.file}`;
}

/** The secret's value. `where` names the spec field (`stages[0].source.url`) in errors. */
export function resolveSecret(ref: SecretRef, where: string, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const v = env[ref.env];
    if (v === undefined || v === '') {
      throw QuiverError.nonRetryable('SPEC_INVALID', `${where}: environment variable ${ref.env} is not set in this process (${process.pid}); set it where the workers run (local mode: in the shell running quiver)`);
    }
    return v;
  }
  try {
    return readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw QuiverError.nonRetryable('SPEC_INVALID', `${where}: cannot read secret file ${ref.file} (${(err as Error).message}); mount it where the workers run`, { cause: err });
  }
}
