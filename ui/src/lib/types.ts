// Every JSON shape that crosses the host boundary. The mirrors of the Rust types are
// generated into `bindings.ts` by `make bindings` (src-tauri/src/bindings.rs) and a Rust test
// fails when that file is stale; this module re-exports them and adds what only the UI has:
// the lists of enum values for pickers, readable aliases, and the shell's error codes.
//
// Wire conventions (from the serde attributes): snake_case enum values, RFC 3339 UTC
// instants as strings, wall times as "HH:MM" ("24:00" = end of day), states as "TX",
// languages as "es".

import type {
  AgentTimeZone,
  ErrorBody,
  ErrorCode as ApiErrorCode,
  Locale,
  Rule,
  WeeklySchedule,
} from './bindings';
import type {
  CompletionOutcome,
  ContactChannel,
  ContactOutcome,
  NotAGoodReferralReason,
  PreferredContactMethod,
  ReferralQuery,
  ReferralStatus,
} from './bindings';

export type {
  ApiError,
  Availability,
  AvailabilityChanged,
  AvailabilityReason,
  AvailabilitySegment,
  AvailabilitySettings,
  AvailabilityStatus,
  Break,
  CompletionOutcome,
  ConnectionInfo,
  ConnectionState,
  ConsumerContact,
  ContactAttempt,
  ContactChannel,
  ContactMethodWarning,
  ContactOutcome,
  DaySchedule,
  Dialog,
  Language,
  License,
  LicenseStatus,
  LoginPrefill,
  MissedAlertView,
  NavigateTarget,
  NotAGoodReferralReason,
  OfferNew,
  OfferOutcome,
  OfferResolved,
  OfferView,
  OutboxAction,
  OutOfOffice,
  PreferredContactMethod,
  Profile,
  Referral,
  ReferralId,
  ReferralListPage,
  ReferralQuery,
  ReferralRef,
  ReferralSort,
  ReferralStatus,
  Refusal,
  Rollback,
  Schedule,
  Screen,
  SessionState,
  SortDirection,
  StateCode,
  StatePreferences,
  Suspension,
  Theme,
  TodayOverride,
  TodaySwitch,
  ValidationCode,
  ValidationError,
  WallTime,
  WeeklySchedule,
  AppSettings,
} from './bindings';

/** RFC 3339 instant in UTC, e.g. "2026-11-29T15:04:05Z". */
export type Instant = string;
/** A local calendar date, "YYYY-MM-DD". */
export type LocalDate = string;
/** IANA time zone name, "America/Chicago". */
export type TimeZone = AgentTimeZone;
/** A program rule id, "AV-6". */
export type RuleId = Rule;
/** The app's language: English or Español. */
export type UiLanguage = Locale;
export type Weekday = keyof WeeklySchedule;

/**
 * Lists every value of the generated union `T`, in display order. A list that misses a
 * value (say a status added in Rust) does not compile, and names the value it misses.
 */
function allOf<T extends string>() {
  return <const L extends readonly T[]>(
    list: L & ([T] extends [L[number]] ? unknown : { missing: Exclude<T, L[number]> }),
  ): readonly T[] => list;
}

export const REFERRAL_STATUSES = allOf<ReferralStatus>()([
  'pending',
  'accepted',
  'rejected',
  'in_progress',
  'not_a_good_referral',
  'completed',
] as const);

export const ALLOWED_NEXT: Record<ReferralStatus, readonly ReferralStatus[]> = {
  pending: ['accepted', 'rejected'],
  accepted: ['in_progress', 'not_a_good_referral', 'completed'],
  in_progress: ['not_a_good_referral', 'completed'],
  not_a_good_referral: ['in_progress'],
  rejected: [],
  completed: [],
};

export const AGENT_SETTABLE: readonly ReferralStatus[] = [
  'in_progress',
  'not_a_good_referral',
  'completed',
];

export const COMPLETION_OUTCOMES = allOf<CompletionOutcome>()([
  'enrolled_in_qhp',
  'referred_to_medicaid_chip',
] as const);

export const NOT_A_GOOD_REFERRAL_REASONS = allOf<NotAGoodReferralReason>()([
  'wrong_contact_details',
  'working_with_another_broker',
  'no_response_after_three_attempts',
  'not_eligible',
  'other',
] as const);

export const CONTACT_CHANNELS = allOf<ContactChannel>()(['phone', 'text', 'email'] as const);

export const CONTACT_OUTCOMES = allOf<ContactOutcome>()([
  'reached',
  'left_message',
  'no_answer',
  'wrong_number',
  'undeliverable',
] as const);

export const MISSED_REFERRAL_NAME = 'Missed Referral';

export const DEFAULT_QUERY: ReferralQuery = {
  statuses: [],
  states: [],
  languages: [],
  missed_only: false,
  text: null,
  sort: 'assigned_at',
  direction: 'descending',
  offset: 0,
  limit: 50,
};

export const WEEKDAYS = allOf<Weekday>()([
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const);

export const PREFERRED_CONTACT_METHODS = allOf<PreferredContactMethod>()([
  'email_text_app',
  'email_text',
  'email_app',
  'email_only',
] as const);

/** `ErrorCode` of the API, plus the codes the desktop shell adds (`hod-client` error_body.rs). */
export type ErrorCode =
  | ApiErrorCode
  | 'not_signed_in'
  | 'invalid_server_url'
  | 'unreachable'
  | 'bad_response'
  | 'not_synced'
  | 'token_store'
  | 'cache';

/** What a failed command rejects with. `code` may be one this UI does not know yet. */
export type HostErrorBody = Pick<ErrorBody, 'message'> &
  Partial<Pick<ErrorBody, 'errors' | 'retry_after_seconds'>> & {
    code: ErrorCode | (string & {});
  };
