/**
 * Errors: one base class with a stable `code`, a `retryable` flag said at the throw site, and
 * the original `cause`. Errors that cross a thread or NATS travel as plain {@link ErrorData};
 * check them with {@link isErrorCode}, never by message text or `instanceof`.
 *
 * ```ts
 * throw new QuiverError('SPEC_INVALID', 'stages[2].op: unknown operator "fliter"; use one of ...');
 * ```
 */

export const ErrorCode = {
  /** The job spec failed schema or semantic validation. Not retryable. */
  SPEC_INVALID: 'SPEC_INVALID',
  /** A CLI option or constructor option is invalid. */
  OPTION_INVALID: 'OPTION_INVALID',
  /** An expression in the spec failed to parse or type-check. */
  EXPR_INVALID: 'EXPR_INVALID',
  /** Input data could not be parsed (bad CSV/NDJSON, bad gzip...). */
  INPUT_INVALID: 'INPUT_INVALID',
  /** An object or file the job needs does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** The object store failed (network, permissions, server error). Usually retryable. */
  STORE_FAILED: 'STORE_FAILED',
  /** The task bus (NATS) failed or is unreachable. */
  BUS_FAILED: 'BUS_FAILED',
  /** A kernel threw while running a task. */
  KERNEL_FAILED: 'KERNEL_FAILED',
  /** An external source or target (database, REST API, broker) failed or dropped the connection. Usually retryable. */
  SOURCE_FAILED: 'SOURCE_FAILED',
  /** A task exhausted its deliveries. */
  TASK_EXHAUSTED: 'TASK_EXHAUSTED',
  /** The job was cancelled by a user. */
  CANCELLED: 'CANCELLED',
  /** A task or job ran past its time limit. */
  TIMEOUT: 'TIMEOUT',
  /** The coordinator API refused the request (auth, unknown job, bad body). */
  API_FAILED: 'API_FAILED',
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** Something inside quiver went wrong that a user cannot fix: please report it. */
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The shape an error takes when it crosses a thread, a process or NATS. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  /** Small structured context: task id, shard key, field path... */
  details?: Record<string, unknown>;
}

export interface QuiverErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class QuiverError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: QuiverErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'QuiverError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }

  /** A failure that will happen again on every retry (bad data, bad spec). */
  static nonRetryable(code: ErrorCode, message: string, options: Omit<QuiverErrorOptions, 'retryable'> = {}): QuiverError {
    return new QuiverError(code, message, { ...options, retryable: false });
  }

  /** A failure that may pass on a later attempt (network, a server restarting). */
  static retryable(code: ErrorCode, message: string, options: Omit<QuiverErrorOptions, 'retryable'> = {}): QuiverError {
    return new QuiverError(code, message, { ...options, retryable: true });
  }

  toData(): ErrorData {
    const data: ErrorData = { code: this.code, message: this.message, retryable: this.retryable };
    if (this.details !== undefined) data.details = this.details;
    return data;
  }
}

const codes = new Set<string>(Object.values(ErrorCode));

function isErrorDataLike(value: unknown): value is ErrorData {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && codes.has(v.code) && typeof v.message === 'string';
}

/** Turns anything thrown into plain error data. Unknown errors become INTERNAL and retryable=false. */
export function toErrorData(err: unknown, fallback: ErrorCode = ErrorCode.INTERNAL): ErrorData {
  if (err instanceof QuiverError) return err.toData();
  if (isErrorDataLike(err)) {
    const data: ErrorData = { code: err.code, message: err.message, retryable: err.retryable === true };
    if (err.details !== undefined) data.details = err.details;
    return data;
  }
  if (err instanceof Error) return { code: fallback, message: err.message, retryable: false };
  return { code: fallback, message: String(err), retryable: false };
}

/** Rebuilds a throwable error from error data (e.g. a result that came back over NATS). */
export function fromErrorData(data: ErrorData): QuiverError {
  const opts: QuiverErrorOptions = { retryable: data.retryable };
  if (data.details !== undefined) opts.details = data.details;
  return new QuiverError(data.code, data.message, opts);
}

/** True when `err` (an Error or ErrorData) carries `code`. */
export function isErrorCode(err: unknown, code: ErrorCode): boolean {
  if (err instanceof QuiverError) return err.code === code;
  return isErrorDataLike(err) && err.code === code;
}

export function isRetryable(err: unknown): boolean {
  if (err instanceof QuiverError) return err.retryable;
  return isErrorDataLike(err) && err.retryable === true;
}
