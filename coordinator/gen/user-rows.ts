/**
 * One synthetic user at a time, as preformatted text fields ('' = missing), so writers only
 * concatenate. See users.ts for the columns and the dirt put in on purpose.
 */
import { Weighted } from './prng.js';
import type { Rng } from './prng.js';
import { COUNTRIES, DEVICES, EMAIL_DOMAINS, FIRST_NAMES, GENDERS, LAST_NAMES, PLAN_CHURN, PLAN_PRICE, PLAN_WEIGHTS } from './vocab.js';
import type { Plan } from './vocab.js';

export const USER_COLUMNS: readonly string[] = [
  'user_id', 'email', 'signup_date', 'last_login', 'country', 'city', 'age', 'gender', 'plan', 'device',
  'monthly_spend', 'total_spend', 'tenure_months', 'sessions_30d', 'avg_session_min', 'support_tickets',
  'is_promo', 'nps', 'churned',
];

/** Text of each column; '' where the value is missing. `csvCity`/`jsonCity` are quoted for their format. */
export interface UserRow {
  user_id: string;
  email: string;
  signup_date: string;
  last_login: string;
  country: string;
  csvCity: string;
  jsonCity: string;
  age: string;
  gender: string;
  plan: string;
  device: string;
  monthly_spend: string;
  total_spend: string;
  tenure_months: string;
  sessions_30d: string;
  avg_session_min: string;
  support_tickets: string;
  is_promo: string;
  nps: string;
  churned: string;
}

export const DAY_MS = 86_400_000;
/** The data set's "today": 2025-07-01 (days since the epoch). */
export const AS_OF_DAY = Date.UTC(2025, 6, 1) / DAY_MS;
/** Earliest signup: 2018-01-01 (days since the epoch). */
export const FIRST_DAY = Date.UTC(2018, 0, 1) / DAY_MS;
const DAYS = Array.from({ length: AS_OF_DAY - FIRST_DAY + 1 }, (_, i) => new Date((FIRST_DAY + i) * DAY_MS).toISOString().slice(0, 10));
/** '00' .. '59'. */
export const PAD2: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** `YYYY-MM-DD` of a day (days since the epoch) in FIRST_DAY .. AS_OF_DAY, from a table. */
export function dayText(day: number): string {
  return DAYS[day - FIRST_DAY]!;
}

const COUNTRY = new Weighted(COUNTRIES.map(([, w], i) => [i, w] as const));
const PLAN = new Weighted<Plan>(PLAN_WEIGHTS);
const DEVICE = new Weighted(DEVICES);
const GENDER = new Weighted(GENDERS);
const CSV_CITIES = COUNTRIES.map(([, , cities]) => cities.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)));
const JSON_CITIES = COUNTRIES.map(([, , cities]) => cities.map((c) => JSON.stringify(c)));
const IMPOSSIBLE_AGES = ['-1', '0', '230', '999', '151'];

function dirtyCountry(rng: Rng, code: string): string {
  switch (rng.int(0, 4)) {
    case 0:
      return ` ${code.toLowerCase()}`;
    case 1:
      return code[0]! + code[1]!.toLowerCase();
    case 2:
      return code.toLowerCase();
    case 3:
      return `${code} `;
    default:
      return code === 'US' ? 'USA' : code === 'GB' ? 'UK' : ` ${code}`;
  }
}

function email(rng: Rng, id: number): string {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const domain = rng.pick(EMAIL_DOMAINS);
  const local = rng.chance(0.5) ? `${first}.${last}${id % 1000}` : `${first}${last[0]!}${id % 97}`;
  if (!rng.chance(0.012)) return `${local}@${domain}`;
  switch (rng.int(0, 4)) {
    case 0:
      return `${local}${domain}`;
    case 1:
      return `${local}@@${domain}`;
    case 2:
      return `${local}@`;
    case 3:
      return `${local}@${domain.split('.')[0]!}`;
    default:
      return `${local.toUpperCase()} @${domain}`;
  }
}

/** Share of the users file's rows that repeat the row before them exactly. */
export const DUPLICATE_RATE = 0.001;

/**
 * Whether row `index` (0-based) of the users file repeats the row before it. The writer and
 * anything that replays the file (the transactions generator) draw through here, so they stay in
 * step: the first row never repeats, and draws nothing.
 */
export function isDuplicateRow(rng: Rng, index: number): boolean {
  return index > 0 && rng.next() < DUPLICATE_RATE;
}

const missing = (rng: Rng, p: number, text: string): string => (rng.next() < p ? '' : text);

/** A function that returns the next user each call (user ids 100001, 100002, ...). */
export function userRowSource(rng: Rng): () => UserRow {
  let id = 100_000;
  return () => {
    id++;
    const countryIndex = COUNTRY.draw(rng);
    const [code, , cities] = COUNTRIES[countryIndex]!;
    const cityIndex = rng.int(0, cities.length - 1);
    const plan = PLAN.draw(rng);
    const device = DEVICE.draw(rng);

    // Signups grow over time: more recent users are more common.
    const tenureDays = Math.floor(Math.pow(rng.next(), 1.5) * (AS_OF_DAY - FIRST_DAY));
    const signupDay = AS_OF_DAY - tenureDays;
    const tenure = Math.floor(tenureDays / 30.4375);

    const engagement = rng.normal();
    const sessions = rng.poisson(Math.max(0.3, 14 * Math.exp(0.55 * engagement)));
    const tickets = rng.poisson(0.35 + (engagement < -0.7 ? 0.8 : 0) + (plan === 'enterprise' ? 0.4 : 0));
    const promo = rng.chance(0.15);
    const logit = 0.9 - 0.05 * tenure + 0.55 * tickets - 0.07 * sessions + PLAN_CHURN[plan] + (promo ? 0.4 : 0) + rng.normal(0, 0.5);
    const churned = rng.next() < 1 / (1 + Math.exp(-logit));

    const price = PLAN_PRICE[plan];
    let monthly: number;
    if (plan === 'free') monthly = rng.chance(0.7) ? 0 : rng.int(1, 5) - 0.01;
    else if (plan === 'enterprise') monthly = Math.max(49, rng.normal(price, 40));
    else monthly = (promo ? price * 0.8 : price) + (rng.chance(0.2) ? rng.int(1, 5) - 0.01 : 0);
    monthly = Math.round(monthly * 100) / 100;
    // The first month at full price, later months with some variation (discounts, add-ons).
    let total = monthly * (1 + Math.max(0, tenure - 1) * (0.85 + 0.2 * rng.next()));
    if (rng.chance(0.01)) total = monthly * rng.next() * 0.9;
    const avgMin = sessions === 0 ? 0 : Math.exp(rng.normal(2.3, 0.5));

    // Days since the last login: exponential, longer for churners (mean 30 days against 10) but
    // overlapping, so recency is a strong signal and not the answer (alone it ranks at AUC ≈ 0.75).
    const lastAgo = Math.min(365, Math.floor(-Math.log(1 - rng.next()) * (churned ? 30 : 10)));
    const lastDay = Math.max(signupDay, AS_OF_DAY - 1 - lastAgo);
    const lastLogin = `${DAYS[lastDay - FIRST_DAY]!}T${PAD2[rng.int(0, 23)]!}:${PAD2[rng.int(0, 59)]!}:${PAD2[rng.int(0, 59)]!}Z`;

    const ageDraw = rng.next();
    const age = ageDraw < 0.04 ? '' : ageDraw < 0.042 ? rng.pick(IMPOSSIBLE_AGES) : String(Math.min(90, Math.max(16, Math.round(rng.normal(37, 12)))));
    const npsBase = churned ? 4 : 7.5;
    const nps = rng.chance(0.6) ? '' : String(Math.min(10, Math.max(0, Math.round(rng.normal(npsBase, 2)))));
    const countryDraw = rng.next();
    const country = countryDraw < 0.01 ? '' : countryDraw < 0.025 ? dirtyCountry(rng, code) : code;
    const cityMissing = rng.chance(0.03);

    return {
      user_id: String(id),
      email: missing(rng, 0.005, email(rng, id)),
      signup_date: DAYS[signupDay - FIRST_DAY]!,
      last_login: missing(rng, 0.02, lastLogin),
      country,
      csvCity: cityMissing ? '' : CSV_CITIES[countryIndex]![cityIndex]!,
      jsonCity: cityMissing ? 'null' : JSON_CITIES[countryIndex]![cityIndex]!,
      age,
      gender: missing(rng, 0.03, GENDER.draw(rng)),
      plan,
      device: missing(rng, 0.01, device),
      monthly_spend: missing(rng, 0.025, monthly.toFixed(2)),
      total_spend: missing(rng, 0.02, total.toFixed(2)),
      tenure_months: String(tenure),
      sessions_30d: missing(rng, 0.03, String(sessions)),
      avg_session_min: missing(rng, 0.02, avgMin.toFixed(1)),
      support_tickets: String(tickets),
      is_promo: promo ? 'true' : 'false',
      nps,
      churned: churned ? '1' : '0',
    };
  };
}
