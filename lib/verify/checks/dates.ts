/** `yyyy/MM/dd` of a UTC day, the date folders CloudTrail and our Firehose prefixes write. */
export function utcDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}`;
}

/** The prefixes of today and yesterday (UTC), newest first: together they hold the last 24 hours. */
export function dayPrefixes(now: Date, prefixOf: (day: string) => string): string[] {
  return [now, new Date(now.getTime() - 86_400_000)].map((d) => prefixOf(utcDay(d)));
}
