// The contact guidance after an accept (CE-1, CE-2, CE-4), as hod-domain's
// `contact_progress` decides it: first contact preferably within 15 minutes, never more than
// 30; after three failed attempts, Not a Good Referral; after a left message, In Progress.

import type {
  ContactAttempt,
  ContactOutcome,
  NotAGoodReferralReason,
  Referral,
  ReferralStatus,
} from './types';
import { ALLOWED_NEXT } from './types';

export const PREFERRED_WITHIN_MS = 15 * 60_000; // CE-1
export const REQUIRED_WITHIN_MS = 30 * 60_000; // CE-2
export const FAILED_ATTEMPTS_BEFORE_NOT_GOOD = 3; // CE-4

export type FirstContact =
  | { state: 'within_preferred'; deadline: number }
  | { state: 'due_soon'; deadline: number }
  | { state: 'overdue' }
  | { state: 'done'; at: number; timing: 'within_preferred' | 'within_required' | 'late' };

export interface Suggestion {
  status: ReferralStatus;
  reason: NotAGoodReferralReason | null;
  rule: 'CE-4' | 'RS-4';
}

const failed = (o: ContactOutcome) => o !== 'reached';
const wrongDetails = (o: ContactOutcome) => o === 'wrong_number' || o === 'undeliverable';

export function firstContact(acceptedAt: number, attempts: ContactAttempt[], now: number): FirstContact {
  const preferred = acceptedAt + PREFERRED_WITHIN_MS;
  const required = acceptedAt + REQUIRED_WITHIN_MS;
  if (attempts.length > 0) {
    const at = Math.min(...attempts.map((a) => Date.parse(a.at)));
    const timing = at < preferred ? 'within_preferred' : at < required ? 'within_required' : 'late';
    return { state: 'done', at, timing };
  }
  if (now < preferred) return { state: 'within_preferred', deadline: preferred };
  if (now < required) return { state: 'due_soon', deadline: required };
  return { state: 'overdue' };
}

export function suggestion(attempts: ContactAttempt[]): Suggestion | null {
  const outcomes = attempts.map((a) => a.outcome);
  const failures = outcomes.filter(failed);
  if (failures.length < outcomes.length) return null; // reached
  if (failures.length >= FAILED_ATTEMPTS_BEFORE_NOT_GOOD) {
    return {
      status: 'not_a_good_referral',
      reason: failures.every(wrongDetails) ? 'wrong_contact_details' : 'no_response_after_three_attempts',
      rule: 'CE-4',
    };
  }
  return failures.includes('left_message')
    ? { status: 'in_progress', reason: null, rule: 'RS-4' }
    : null;
}

/** The suggestion, when the referral's current status may move to it. */
export function applicableSuggestion(r: Referral): Suggestion | null {
  const s = suggestion(r.contact_attempts ?? []);
  return s && r.status !== s.status && ALLOWED_NEXT[r.status].includes(s.status) ? s : null;
}
