/**
 * Word lists for the synthetic users data set: names, email domains, countries (ISO-2, with
 * realistic skew) and a few cities each. Some city names carry commas, quotes or non-ASCII
 * letters on purpose, so CSV writers must quote and readers must unquote.
 */

export const FIRST_NAMES: readonly string[] = [
  'james', 'mary', 'john', 'patricia', 'robert', 'jennifer', 'michael', 'linda', 'william', 'elizabeth',
  'david', 'barbara', 'richard', 'susan', 'joseph', 'jessica', 'thomas', 'sarah', 'charles', 'karen',
  'priya', 'arjun', 'ananya', 'rahul', 'wei', 'li', 'yuki', 'haruto', 'sofia', 'mateo',
  'lucas', 'emma', 'noah', 'olivia', 'liam', 'ava', 'lena', 'felix', 'chloe', 'hugo',
  'amara', 'chidi', 'fatima', 'omar', 'ines', 'joao', 'ana', 'pedro', 'marta', 'jakub',
];

export const LAST_NAMES: readonly string[] = [
  'smith', 'johnson', 'williams', 'brown', 'jones', 'garcia', 'miller', 'davis', 'rodriguez', 'martinez',
  'hernandez', 'lopez', 'gonzalez', 'wilson', 'anderson', 'thomas', 'taylor', 'moore', 'jackson', 'martin',
  'sharma', 'patel', 'singh', 'kumar', 'wang', 'zhang', 'tanaka', 'sato', 'mueller', 'schmidt',
  'dubois', 'moreau', 'rossi', 'ferrari', 'silva', 'santos', 'kowalski', 'nowak', 'okafor', 'adeyemi',
];

export const EMAIL_DOMAINS: readonly string[] = [
  'gmail.com', 'gmail.com', 'gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com', 'proton.me', 'mail.de', 'example.org',
];

/** [ISO-2 code, weight, cities]. */
export const COUNTRIES: readonly (readonly [string, number, readonly string[]])[] = [
  ['US', 32, ['New York', 'Los Angeles', 'Chicago', 'Houston', 'Phoenix', 'Seattle', 'Austin', 'Boston', 'Washington, D.C.', 'Denver']],
  ['IN', 12, ['Mumbai', 'Delhi', 'Bengaluru', 'Hyderabad', 'Chennai', 'Pune']],
  ['GB', 8, ['London', 'Manchester', 'Birmingham', 'Leeds', 'Glasgow', 'Bristol']],
  ['DE', 7, ['Berlin', 'Hamburg', 'München', 'Köln', 'Frankfurt am Main']],
  ['BR', 7, ['São Paulo', 'Rio de Janeiro', 'Brasília', 'Salvador', 'Fortaleza']],
  ['FR', 5, ['Paris', 'Marseille', 'Lyon', 'Toulouse', 'Nice']],
  ['CA', 5, ['Toronto', 'Montréal', 'Vancouver', 'Calgary', 'Ottawa']],
  ['MX', 4, ['Ciudad de México', 'Guadalajara', 'Monterrey', 'Puebla']],
  ['JP', 4, ['Tokyo', 'Osaka', 'Yokohama', 'Nagoya', 'Sapporo']],
  ['AU', 3, ['Sydney', 'Melbourne', 'Brisbane', 'Perth']],
  ['ES', 3, ['Madrid', 'Barcelona', 'Valencia', 'Sevilla']],
  ['IT', 3, ['Roma', 'Milano', 'Napoli', 'Torino']],
  ['NL', 2, ['Amsterdam', 'Rotterdam', "'s-Hertogenbosch", 'Utrecht']],
  ['PL', 2, ['Warszawa', 'Kraków', 'Wrocław', 'Gdańsk']],
  ['SE', 1.5, ['Stockholm', 'Göteborg', 'Malmö']],
  ['NG', 1.5, ['Lagos', 'Abuja', 'Kano']],
  ['ZA', 1, ['Johannesburg', 'Cape Town', 'Durban']],
  ['KR', 1, ['Seoul', 'Busan', 'Incheon']],
  ['IE', 0.5, ['Dublin', 'Cork', 'Galway']],
  ['NZ', 0.5, ['Auckland', 'Wellington', 'Christchurch']],
];

export const PLANS = ['free', 'basic', 'premium', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];
export const PLAN_WEIGHTS: readonly (readonly [Plan, number])[] = [
  ['free', 45],
  ['basic', 30],
  ['premium', 18],
  ['enterprise', 7],
];
/** Typical monthly price per plan. */
export const PLAN_PRICE: Record<Plan, number> = { free: 0, basic: 9.99, premium: 29.99, enterprise: 199 };
/** Additive churn log-odds per plan. */
export const PLAN_CHURN: Record<Plan, number> = { free: 0.9, basic: 0.25, premium: -0.35, enterprise: -1.2 };

export const DEVICES: readonly (readonly [string, number])[] = [
  ['ios', 38],
  ['android', 42],
  ['web', 20],
];

export const GENDERS: readonly (readonly [string, number])[] = [
  ['female', 47],
  ['male', 46],
  ['non-binary', 2],
  ['F', 1.5],
  ['M', 1.5],
  ['unknown', 2],
];
