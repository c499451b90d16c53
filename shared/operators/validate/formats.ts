/**
 * Text checks of the validate operator: `format:` checkers and `type:` parsing of string
 * columns. Type parsing uses the same byte parsers as ingest (shared/formats/values.ts), so
 * "this text is an int" means what it means when a CSV is read.
 *
 * ```ts
 * FORMAT_CHECKS.email('a@b.de');   // true
 * parseTextAs('int', ' 42 ');      // 42
 * parseTextAs('date', '2023-02-29'); // null (not a date)
 * ```
 */
import type { ColumnType } from '../../dataset.js';
import { isNaNText, parseBoolBytes, parseDateBytes, parseFloatBytes, parseIntBytes, parseTimestampBytes, takeBigInt } from '../../formats/values.js';
import type { Format } from './rules.js';

const MS_PER_DAY = 86_400_000;
const encoder = new TextEncoder();

/**
 * The value a text spells as `type` (numbers; ms for dates and timestamps; booleans), or null
 * when it does not parse. Ints beyond ±2^53 parse (as the nearest number).
 */
export function parseTextAs(type: ColumnType, text: string): number | boolean | string | null {
  if (type === 'string') return text;
  const b = encoder.encode(text);
  switch (type) {
    case 'int': {
      const v = parseIntBytes(b, 0, b.length);
      if (!Number.isNaN(v)) return v;
      const big = takeBigInt();
      return big === null ? null : Number(big);
    }
    case 'float': {
      const v = parseFloatBytes(b, 0, b.length);
      return Number.isNaN(v) && !isNaNText(b, 0, b.length) ? null : v;
    }
    case 'bool': {
      const v = parseBoolBytes(b, 0, b.length);
      return v < 0 ? null : v === 1;
    }
    case 'date': {
      const v = parseDateBytes(b, 0, b.length);
      return Number.isNaN(v) ? null : v * MS_PER_DAY;
    }
    case 'timestamp': {
      const v = parseTimestampBytes(b, 0, b.length);
      return Number.isNaN(v) ? null : v;
    }
  }
}

/** The WHATWG HTML `input type=email` rule, with at least one dot in the domain. */
const EMAIL_RE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const UUID_RE = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

/** ISO 3166-1 alpha-2: the 249 officially assigned codes. */
const COUNTRIES = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
    'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT ' +
    'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
    'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ ' +
    'UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

function isUrl(text: string): boolean {
  if (/\s/.test(text)) return false;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return false;
  }
  return (u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'ftp:') && u.hostname !== '';
}

/** One checker per format; each takes the text as stored (no trimming, case-sensitive codes). */
export const FORMAT_CHECKS: Readonly<Record<Format, (text: string) => boolean>> = {
  email: (t) => t.length <= 254 && EMAIL_RE.test(t),
  date: (t) => DATE_RE.test(t) && parseTextAs('date', t) !== null,
  datetime: (t) => DATETIME_RE.test(t) && parseTextAs('timestamp', t) !== null,
  'iso-country': (t) => COUNTRIES.has(t),
  uuid: (t) => UUID_RE.test(t),
  url: isUrl,
};

/** Length in Unicode code points (what `length()` in expressions counts). */
export function charLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
