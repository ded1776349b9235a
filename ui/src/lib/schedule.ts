// Checks of the Standard Hours before a Save (AV-1, AV-3, AV-4), with the field names the
// server uses (`weekly.monday.breaks[1]`), so its errors land on the same inputs.

import { t } from './i18n/index.svelte';
import { wallMinutes } from './time';
import { WEEKDAYS, type DaySchedule, type WeeklySchedule } from './types';

export function validateWeek(weekly: WeeklySchedule): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const name of WEEKDAYS) {
    const day = weekly[name];
    if (!day.enabled) continue;
    const start = wallMinutes(day.start);
    const end = wallMinutes(day.end);
    if (end <= start) errors[`weekly.${name}.end`] = t('availability.err_end');
    const sorted = day.breaks
      .map((b, i) => ({ i, s: wallMinutes(b.start), e: wallMinutes(b.end) }))
      .sort((a, b) => a.s - b.s);
    for (const [k, b] of sorted.entries()) {
      const field = `weekly.${name}.breaks[${b.i}]`;
      if (b.e <= b.s) errors[field] = t('availability.err_end');
      else if (b.s < start || b.e > end) errors[field] = t('availability.err_break_outside');
      else if (k > 0 && b.s < sorted[k - 1].e) errors[field] = t('availability.err_break_overlap');
    }
  }
  return errors;
}

/** A copy of `day`'s hours and breaks; the target keeps its own on/off toggle. */
export function copyHours(day: DaySchedule, target: DaySchedule): DaySchedule {
  return {
    enabled: target.enabled,
    start: day.start,
    end: day.end,
    breaks: day.breaks.map((b) => ({ ...b })),
  };
}

/** The time input shows 23:59 for the end of the day; the wire says 24:00. */
export function toInput(time: string): string {
  return time === '24:00' ? '23:59' : time;
}
export function fromInput(time: string): string {
  return time === '23:59' ? '24:00' : time;
}
