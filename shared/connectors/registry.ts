/**
 * The registry of source connectors: the only module that names them all. The ingest operator
 * looks them up by `source.kind` and composes its stage schema from theirs.
 */
import { QuiverError } from '../errors.js';
import { datasetConnector } from './dataset.js';
import { filesConnector } from './files/index.js';
import { mysqlConnector, postgresConnector } from './sql/index.js';
import { restConnector } from './rest/index.js';
import type { SourceConnector } from './types.js';

const connectors: ReadonlyMap<string, SourceConnector> = new Map([filesConnector, restConnector, postgresConnector, mysqlConnector, datasetConnector].map((c) => [c.kind, c]));

/** The kind a source without `kind` gets. */
export const DEFAULT_SOURCE_KIND = 'files';

export function connectorKinds(): string[] {
  return [...connectors.keys()];
}

export function allConnectors(): SourceConnector[] {
  return [...connectors.values()];
}

/** The connector for `kind`; `where` names the spec field in the error (`stages[0].source.kind`). */
export function getConnector(kind: string, where = 'source.kind'): SourceConnector {
  const c = connectors.get(kind);
  if (c === undefined) {
    throw QuiverError.nonRetryable('SPEC_INVALID', `${where}: unknown source kind ${JSON.stringify(kind)}; use one of: ${connectorKinds().join(', ')}`);
  }
  return c;
}
