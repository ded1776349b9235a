// Program words for values of the wire types, in the agent's language.

import { has, t, type MessageKey } from './i18n/index.svelte';
import type { Language, Referral } from './types';

export function languageName(code: Language): string {
  const key = `language.${code}`;
  return has(key) ? t(key) : t('language.other', { code: code.toUpperCase() });
}

/** The status column: *Missed* for a missed offer (MR-2), else the program status. */
export function statusLabel(r: Referral): string {
  if (r.outcome === 'missed') return t('status.missed');
  if (r.outcome === 'withdrawn') return t('status.withdrawn');
  return t(`status.${r.status}` as MessageKey);
}

/** The name column: the consumer once accepted, *Missed Referral* for a miss (MR-4). */
export function displayName(r: Referral): string {
  if (r.outcome === 'missed') return t('referrals.missed_name');
  return r.contact?.name ?? '';
}

/** Contact details are for the agent who accepted, and never for a miss (MR-4). */
export function visibleContact(r: Referral) {
  return r.outcome === 'missed' ? null : (r.contact ?? null);
}
