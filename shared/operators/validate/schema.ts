/**
 * JSON Schema (draft 2020-12) of the validate stage's own fields, for the job-spec schema and
 * editors. The planner checks the same things again against the input schema (spec.ts).
 */
import { COLUMN_TYPES } from '../../arrow/schema.js';
import { FORMATS, ON_FAIL } from './rules.js';

const RULE = {
  type: 'object',
  additionalProperties: false,
  description: 'One rule: a column and one or more checks on it, or a named cross-field check. Missing values (null, empty or blank text) fail only `required` and are skipped by every other check.',
  properties: {
    name: { type: 'string', minLength: 1, description: 'Name shown in the quality report and in reasons (default: `<column>: <check>`).' },
    column: { type: 'string', minLength: 1, description: 'The column the checks apply to.' },
    required: { type: 'boolean', description: 'Fails on null, empty or blank text.' },
    type: { enum: [...COLUMN_TYPES], description: 'On a string column: the text must parse as this type (as ingest parses it). On a float column, int means whole numbers.' },
    range: {
      type: 'array',
      minItems: 2,
      maxItems: 2,
      items: { type: ['number', 'string', 'null'] },
      description: "Inclusive [min, max]; null for an open end. Numbers for int/float columns, text ('2024-01-31') for dates and timestamps. On a string column, needs `type`.",
    },
    format: { enum: [...FORMATS], description: 'A text format: email, date (YYYY-MM-DD), datetime (ISO 8601 with a time), iso-country (ISO 3166-1 alpha-2, upper case), uuid, url (http, https or ftp).' },
    allowed: { type: 'array', minItems: 1, items: { type: ['string', 'number', 'boolean'] }, description: 'The only values allowed (exact, case-sensitive for text).' },
    regex: { type: 'string', minLength: 1, description: "A JavaScript regular expression the text must match somewhere; anchor it (^...$) to match the whole value." },
    flags: { type: 'string', pattern: '^[imsu]*$', description: 'Flags of `regex`: i (ignore case), m, s, u.' },
    minLength: { type: 'integer', minimum: 0, description: 'Minimum length of the text in characters (code points).' },
    maxLength: { type: 'integer', minimum: 0, description: 'Maximum length of the text in characters (code points).' },
    unique: {
      description: 'true: the column is a key, unique across all shards; or a list of key columns. The first row of a key in shard/row order is kept, later ones fail.',
      oneOf: [{ type: 'boolean' }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }],
    },
    outlier: {
      type: 'object',
      required: ['method'],
      description: 'Statistical outliers over the whole input: z-score (|x - mean| / std > threshold, population std) or Tukey fences (outside [Q1 - k·IQR, Q3 + k·IQR], exact quartiles).',
      additionalProperties: false,
      properties: {
        method: { enum: ['zscore', 'iqr'], description: 'zscore or iqr.' },
        threshold: { type: 'number', exclusiveMinimum: 0, description: 'zscore only: the z-score above which a value fails (default 3).' },
        k: { type: 'number', exclusiveMinimum: 0, description: 'iqr only: the fences are k IQRs beyond the quartiles (default 1.5).' },
      },
    },
    check: { type: 'string', minLength: 1, description: 'A true/false expression over the row (quiver expressions); the row fails when it is false (null passes, as in SQL CHECK).' },
  },
};

export const VALIDATE_PROPERTIES = {
  rules: { type: 'array', minItems: 1, items: RULE, description: 'The rules every row must pass.' },
  onFail: {
    enum: [...ON_FAIL],
    default: 'quarantine',
    description: 'quarantine (default): failing rows go to the quarantine with every reason; flag: keep every row and add a `_violations` text column (null when the row passes); fail: the job fails, naming the rule and an example row.',
  },
};
