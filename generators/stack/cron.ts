/**
 * `backup.schedule`: the cron grammar both of its consumers accept. The schedule becomes a
 * Kubernetes CronJob's `schedule` (robfig/cron's standard parser: five fields, day of week 0-6)
 * and a line of the host's crontab in the generated backup README (Vixie cron / cronie, which
 * has no `N/step`). Only digits, `*`, `,`, `-`, `/` and single spaces pass, so a schedule never
 * carries a shell metacharacter into that crontab line.
 */

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

const FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 6 },
];

/** The descriptors both robfig/cron and cron(8) know; `@reboot` and `@every` are not schedules a CronJob takes. */
const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface CronSchedule {
  /** The values each of the five fields matches. */
  readonly sets: readonly (readonly number[])[];
  /** Whether the day-of-month and day-of-week fields are plain `*` (cron then needs both to match, else either). */
  readonly domStar: boolean;
  readonly dowStar: boolean;
}

export type CronResult = { ok: true; schedule: CronSchedule } | { ok: false; rule: string };

const EXAMPLE = 'such as "15 3 * * *" (03:15 every day)';

function parseElement(element: string, field: CronField): number[] | string {
  const m = /^(\*|([0-9]{1,2})(?:-([0-9]{1,2}))?)(?:\/([0-9]{1,2}))?$/.exec(element);
  if (!m) return `the ${field.name} field has "${element}", which is not a number, a range a-b, * or a step (*/n, a-b/n)`;
  const [, head, lowText, highText, stepText] = m;
  if (head !== '*' && highText === undefined && stepText !== undefined) {
    return `the ${field.name} field has "${element}": a step needs a range or * (write ${lowText}-${field.max}/${stepText}); cron(8) refuses n/step`;
  }
  const low = head === '*' ? field.min : Number(lowText);
  const high = head === '*' ? field.max : highText === undefined ? low : Number(highText);
  const step = stepText === undefined ? 1 : Number(stepText);
  for (const v of [low, high]) {
    if (v < field.min || v > field.max) {
      const sunday = field.name === 'day of week' && v === 7 ? ' (write 0 for Sunday: Kubernetes CronJobs accept 0-6)' : '';
      return `the ${field.name} field has ${v}, outside ${field.min}-${field.max}${sunday}`;
    }
  }
  if (low > high) return `the ${field.name} field has the range ${low}-${high}, which runs backwards`;
  if (step < 1 || step > field.max - field.min + 1) return `the ${field.name} field has the step /${step}, outside 1-${field.max - field.min + 1}`;
  const values: number[] = [];
  for (let v = low; v <= high; v += step) values.push(v);
  return values;
}

/** Parses a schedule, or says which field breaks which rule. */
export function parseCron(text: string): CronResult {
  const expanded = text.startsWith('@') ? DESCRIPTORS[text] : text;
  if (expanded === undefined) return { ok: false, rule: `is not a schedule: the descriptors are ${Object.keys(DESCRIPTORS).join(', ')}; otherwise give five fields ${EXAMPLE}` };
  if (!/^[0-9*,/-]+( [0-9*,/-]+){4}$/.test(expanded)) {
    return { ok: false, rule: `must be five cron fields separated by single spaces, ${EXAMPLE}, made of digits, "*", ",", "-" and "/" only (no names, no shell characters)` };
  }
  const parts = expanded.split(' ');
  const sets: number[][] = [];
  for (const [i, field] of FIELDS.entries()) {
    const values = new Set<number>();
    for (const element of (parts[i] ?? '').split(',')) {
      const parsed = parseElement(element, field);
      if (typeof parsed === 'string') return { ok: false, rule: `is not a valid cron schedule: ${parsed}` };
      for (const v of parsed) values.add(v);
    }
    sets.push([...values].sort((a, b) => a - b));
  }
  return { ok: true, schedule: { sets, domStar: parts[2] === '*', dowStar: parts[4] === '*' } };
}

const DAY_MS = 86_400_000;
/** Eight years from a leap year: long enough to see a 29 February schedule fire twice. */
const WINDOW_DAYS = 2922;
const WINDOW_START = Date.UTC(2024, 0, 1);

/**
 * The longest time between two runs, in minutes (cron's day rule: when both day fields are
 * restricted, either may match). Undefined when the schedule never runs (e.g. 30 February).
 */
export function longestGapMinutes(schedule: CronSchedule): number | undefined {
  const [minutes = [], hours = [], doms = [], months = [], dows = []] = schedule.sets;
  const inDay = hours.flatMap((h) => minutes.map((m) => h * 60 + m));
  const first = inDay[0];
  const last = inDay.at(-1);
  if (first === undefined || last === undefined) return undefined;
  let longest = 0;
  for (let i = 1; i < inDay.length; i++) longest = Math.max(longest, (inDay[i] ?? 0) - (inDay[i - 1] ?? 0));
  let previous: number | undefined;
  for (let d = 0; d < WINDOW_DAYS; d++) {
    const date = new Date(WINDOW_START + d * DAY_MS);
    if (!months.includes(date.getUTCMonth() + 1)) continue;
    const dom = doms.includes(date.getUTCDate());
    const dow = dows.includes(date.getUTCDay());
    const runs = schedule.domStar || schedule.dowStar ? dom && dow : dom || dow;
    if (!runs) continue;
    const dayStart = d * 1440;
    if (previous !== undefined) longest = Math.max(longest, dayStart + first - previous);
    previous = dayStart + last;
  }
  return previous === undefined ? undefined : longest;
}
