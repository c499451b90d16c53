/**
 * The object-store seam. Every address is a URI: `s3://bucket/key` for S3-compatible stores
 * (MinIO, AWS S3, s3rver) and a plain path (absolute or relative to the process cwd, or
 * `file://`) for the local folder store. Writes are whole-object and atomic: a reader sees
 * either the old object or the new one, never a partial write.
 */

export interface ObjectInfo {
  uri: string;
  size: number;
  /** Last modification time in ms since the epoch, when the store knows it. */
  mtimeMs?: number;
  etag?: string;
}

export interface ObjectStore {
  /** Writes the whole object atomically, creating parent "folders" as needed. */
  put(uri: string, data: Uint8Array): Promise<void>;
  /** Reads the whole object. Throws QuiverError NOT_FOUND when it does not exist. */
  get(uri: string): Promise<Uint8Array>;
  /** Reads bytes [start, end) of the object (end is clamped to the size). */
  getRange(uri: string, start: number, end: number): Promise<Uint8Array>;
  /** Streams the object's bytes. */
  stream(uri: string): Promise<AsyncIterable<Uint8Array>>;
  /** Size and metadata, or null when the object does not exist. */
  head(uri: string): Promise<ObjectInfo | null>;
  /** Every object whose URI starts with `prefix`, recursively, sorted by URI. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Deletes one object; deleting a missing object is not an error. */
  delete(uri: string): Promise<void>;
  /** Deletes every object under the prefix. */
  deletePrefix(prefix: string): Promise<void>;
  close?(): Promise<void>;
}

/** How to reach an S3-compatible server. Secrets come from the environment or config file. */
export interface S3Options {
  /** e.g. `http://127.0.0.1:9000`. Default: AWS S3 for the region. */
  endpoint?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Path-style addressing (`host/bucket/key`), needed by MinIO and s3rver. Default true when an endpoint is set. */
  pathStyle?: boolean;
  accessKey?: string;
  secretKey?: string;
  sessionToken?: string;
  /** Create missing buckets on first write. Default true. */
  createBuckets?: boolean;
}

/** Where a job's data lives and how to reach it; carried (without secrets) in task descriptors. */
export interface StoreConfig {
  /** Root URI for job data, e.g. `s3://quiver/prefix` or `/var/lib/quiver/store`. */
  root: string;
  s3?: Omit<S3Options, 'accessKey' | 'secretKey' | 'sessionToken'>;
}
