// Formatted times: each language and zone gets its own formatter, however often one is reused.
import { describe, expect, it } from 'vitest';
import { formatDateTime, formatDay, formatTime, zonedToUtc, localDate } from '../src/lib/time';

describe('times shown on the agent clock (AV-2)', () => {
  const at = '2026-11-02T15:05:00Z';

  it('formats one instant in each zone and language asked for, in any order', () => {
    const ny = formatDateTime(at, 'en', 'America/New_York');
    const la = formatDateTime(at, 'en', 'America/Los_Angeles');
    const es = formatDateTime(at, 'es', 'America/New_York');
    expect(ny).toMatch(/Nov 2, 2026.*10:05/);
    expect(la).toMatch(/Nov 2, 2026.*7:05/);
    expect(es).toMatch(/nov/i);
    expect(es).not.toEqual(ny);
    // Asked again after the others: the same answers (no formatter of another zone reused).
    expect(formatDateTime(at, 'en', 'America/New_York')).toEqual(ny);
    expect(formatTime(at, 'en', 'America/Los_Angeles')).toMatch(/^7:05/);
    expect(formatTime(at, 'en', 'America/New_York')).toMatch(/^10:05/);
  });

  it('shows a calendar day as that day whatever the zone', () => {
    expect(formatDay('2026-11-02', 'en')).toMatch(/Mon, Nov 2/);
    expect(formatDay('2026-11-02', 'es')).toMatch(/lun/i);
  });

  it('reads wall times in the zone after formatting in others', () => {
    formatDateTime(at, 'en', 'Pacific/Honolulu');
    const utc = zonedToUtc('2026-11-02', '10:05', 'America/New_York');
    expect(utc.toISOString()).toBe('2026-11-02T15:05:00.000Z');
    expect(localDate(new Date(at), 'Pacific/Honolulu')).toBe('2026-11-02');
  });
});
