// Every JSON shape that crosses the host boundary, in one file so that generated bindings
// (ts-rs) can replace it in one move.
//
// Mirrors of the Rust wire types follow their serde attributes: snake_case enum values,
// RFC 3339 UTC instants as strings, wall times as "HH:MM" ("24:00" = end of day), states as
// "TX", languages as "es". The source of each type is named above it.

/** RFC 3339 instant in UTC, e.g. "2026-11-29T15:04:05Z". */
export type Instant = string;
/** A local calendar date, "YYYY-MM-DD". */
export type LocalDate = string;
/** A wall-clock time of day on the agent's clock, "HH:MM"; "24:00" is the end of the day. */
export type WallTime = string;
/** Postal code of a state, "TX". */
export type StateCode = string;
/** Language code, "en" or "es" (2–3 lower-case letters). */
export type Language = string;
/** IANA time zone name, "America/Chicago". */
export type TimeZone = string;

// ---- hod-domain referral/status.rs, contact_attempt.rs, offer.rs --------------------------

export type ReferralStatus =
  | 'pending'
  | 'accepted'
  | 'rejected'
  | 'in_progress'
  | 'not_a_good_referral'
  | 'completed';

export const REFERRAL_STATUSES: readonly ReferralStatus[] = [
  'pending',
  'accepted',
  'rejected',
  'in_progress',
  'not_a_good_referral',
  'completed',
];

/** The transition table (RS-7), as `ReferralStatus::allowed_next`. */
export const ALLOWED_NEXT: Record<ReferralStatus, readonly ReferralStatus[]> = {
  pending: ['accepted', 'rejected'],
  accepted: ['in_progress', 'not_a_good_referral', 'completed'],
  in_progress: ['not_a_good_referral', 'completed'],
  not_a_good_referral: ['in_progress'],
  rejected: [],
  completed: [],
};

/** The statuses an agent sets after accepting (RS-7). */
export const AGENT_SETTABLE: readonly ReferralStatus[] = [
  'in_progress',
  'not_a_good_referral',
  'completed',
];

export type CompletionOutcome = 'enrolled_in_qhp' | 'referred_to_medicaid_chip';
export const COMPLETION_OUTCOMES: readonly CompletionOutcome[] = [
  'enrolled_in_qhp',
  'referred_to_medicaid_chip',
];

export type NotAGoodReferralReason =
  | 'wrong_contact_details'
  | 'working_with_another_broker'
  | 'no_response_after_three_attempts'
  | 'not_eligible'
  | 'other';
export const NOT_A_GOOD_REFERRAL_REASONS: readonly NotAGoodReferralReason[] = [
  'wrong_contact_details',
  'working_with_another_broker',
  'no_response_after_three_attempts',
  'not_eligible',
  'other',
];

export type OfferOutcome = 'accepted' | 'rejected' | 'missed' | 'withdrawn';

export type ContactChannel = 'phone' | 'text' | 'email';
export const CONTACT_CHANNELS: readonly ContactChannel[] = ['phone', 'text', 'email'];

export type ContactOutcome =
  | 'reached'
  | 'left_message'
  | 'no_answer'
  | 'wrong_number'
  | 'undeliverable';
export const CONTACT_OUTCOMES: readonly ContactOutcome[] = [
  'reached',
  'left_message',
  'no_answer',
  'wrong_number',
  'undeliverable',
];

export interface ContactAttempt {
  channel: ContactChannel;
  at: Instant;
  outcome: ContactOutcome;
}

// ---- hod-domain wire/v1/referral.rs --------------------------------------------------------

export type ReferralId = number;

/** What the name column reads for a missed referral (MR-4), `MISSED_REFERRAL_NAME`. */
export const MISSED_REFERRAL_NAME = 'Missed Referral';

/** Sent only to the agent who accepted (MR-4). */
export interface ConsumerContact {
  name: string;
  phone: string;
  email?: string | null;
  notes?: string | null;
}

/** The accept window of a pending offer (MR-1), deadline by the server's clock. */
export interface OfferView {
  offered_at: Instant;
  deadline: Instant;
}

/** One row of Manage Referrals, from this agent's side. */
export interface Referral {
  id: ReferralId;
  status: ReferralStatus;
  outcome?: OfferOutcome | null;
  state: StateCode;
  city: string;
  zip: string;
  language: Language;
  /** *Referral Assigned*: when it was offered to this agent. */
  assigned_at: Instant;
  offer?: OfferView | null;
  accepted_at?: Instant | null;
  contact?: ConsumerContact | null;
  contact_attempts?: ContactAttempt[];
  completion_outcome?: CompletionOutcome | null;
  not_a_good_referral_reason?: NotAGoodReferralReason | null;
  updated_at: Instant;
}

/** The missed-referral alert (MR-3), present only when the count is above zero. */
export interface MissedAlertView {
  count: number;
  message: string;
}

// ---- hod-client cache/reads.rs -------------------------------------------------------------
// `ReferralQuery` is not serialized by hod-client itself; the shell deserializes this shape
// with snake_case fields and enum values.

export type ReferralSort = 'assigned_at' | 'status' | 'state';
export type SortDirection = 'ascending' | 'descending';

/** Filters, sort and page for Manage Referrals. Empty filter lists mean "any". */
export interface ReferralQuery {
  statuses: ReferralStatus[];
  states: StateCode[];
  languages: Language[];
  /** Only rows this agent missed (MR-2, MR-4). */
  missed_only: boolean;
  /** Case-insensitive substring of the city, zip or name column. */
  text: string | null;
  sort: ReferralSort;
  direction: SortDirection;
  offset: number;
  limit: number;
}

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

export interface ReferralListPage {
  referrals: Referral[];
  /** Rows matching the filters, over all pages. */
  total: number;
}

// ---- hod-domain availability/*.rs, wire/v1/profile.rs -------------------------------------

export interface Break {
  start: WallTime;
  end: WallTime;
}

export interface DaySchedule {
  enabled: boolean;
  start: WallTime;
  end: WallTime;
  breaks: Break[];
}

export type Weekday =
  | 'monday'
  | 'tuesday'
  | 'wednesday'
  | 'thursday'
  | 'friday'
  | 'saturday'
  | 'sunday';
export const WEEKDAYS: readonly Weekday[] = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
];

export type WeeklySchedule = Record<Weekday, DaySchedule>;

/** `TodaySwitch`, internally tagged by `switch` and flattened into `TodayOverride`. */
export type TodaySwitch = { switch: 'on'; stop_referrals_at: Instant } | { switch: 'off' };

/** Today's Availability as switched on a given local date (AV-6). */
export type TodayOverride = {
  date: LocalDate;
  set_at: Instant;
} & TodaySwitch;

/** Out of Office (AV-7); no `to` means No End Date. */
export interface OutOfOffice {
  from: Instant;
  to?: Instant | null;
}

export interface AvailabilitySettings {
  time_zone: TimeZone;
  weekly: WeeklySchedule;
  today?: TodayOverride | null;
  out_of_office?: OutOfOffice[];
}

export type AvailabilityReason =
  | 'standard_hours'
  | 'today_on'
  | 'out_of_office'
  | 'today_off'
  | 'referrals_stopped'
  | 'on_break'
  | 'before_hours'
  | 'after_hours'
  | 'day_off';

/** "Can this agent take a referral now?"; `until` is when `available` next flips. */
export interface AvailabilityStatus {
  available: boolean;
  reason: AvailabilityReason;
  until?: Instant | null;
}

/** A stretch of time with one availability and one reason, for the week preview. */
export interface AvailabilitySegment {
  start: Instant;
  end: Instant;
  available: boolean;
  reason: AvailabilityReason;
}

export interface Availability {
  settings: AvailabilitySettings;
  status: AvailabilityStatus;
}

/** The Standard Hours a Save sends (AV-5): the body of `PUT /v1/availability/schedule`. */
export interface Schedule {
  time_zone: TimeZone;
  weekly: WeeklySchedule;
}

// ---- hod-domain contact_preference.rs, eligibility/*.rs, wire/v1/profile.rs ---------------

export type PreferredContactMethod = 'email_text_app' | 'email_text' | 'email_app' | 'email_only';
export const PREFERRED_CONTACT_METHODS: readonly PreferredContactMethod[] = [
  'email_text_app',
  'email_text',
  'email_app',
  'email_only',
];

export type ContactMethodWarning = 'email_only_may_delay';

export type LicenseStatus = 'active' | 'inactive' | 'expired' | 'suspended' | 'revoked';

export interface License {
  state: StateCode;
  line_of_authority: string;
  status: LicenseStatus;
  effective: LocalDate;
  expires: LocalDate | null;
}

/** Externally tagged: `"all_eligible"` or `{"selected": ["TX", …]}` (ST-2, ST-3). */
export type StatePreferences = 'all_eligible' | { selected: StateCode[] };

export interface Suspension {
  since: Instant;
  reason: string;
}

export interface Profile {
  npn: string;
  name: string;
  username: string;
  /** From MLMS; read-only, changed on the CMS Enterprise Portal (CP-3). */
  mlms_email: string;
  mobile_phone: string;
  languages: Language[];
  preferred_contact_method: PreferredContactMethod;
  contact_method_warning?: ContactMethodWarning | null;
  licenses: License[];
  /** States the agent may receive referrals from today (ST-1). */
  eligible_states: StateCode[];
  state_preferences: StatePreferences;
  suspended?: Suspension | null;
}

// ---- hod-domain validation.rs, wire/v1/error.rs -------------------------------------------

export type RuleId = string;

export type ValidationCode =
  | 'end_not_after_start'
  | 'break_outside_hours'
  | 'breaks_overlap'
  | 'unknown_time_zone'
  | 'unknown_state'
  | 'state_not_eligible'
  | 'out_of_range'
  | 'malformed'
  | 'missing'
  | 'not_allowed';

export interface ValidationError {
  /** The field in error, e.g. `weekly.monday.breaks[1]`. */
  field: string;
  rule: RuleId;
  code: ValidationCode;
  message: string;
}

/** `ErrorCode` of the API, plus the codes the desktop shell adds. */
export type ErrorCode =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'accept_window_closed'
  | 'illegal_transition'
  | 'offer_not_pending'
  | 'idempotency_conflict'
  | 'rate_limited'
  | 'suspended'
  | 'internal'
  // The shell's own codes.
  | 'not_signed_in'
  | 'invalid_server_url'
  | 'unreachable'
  | 'bad_response'
  | 'not_synced'
  | 'cache';

/** What a failed command rejects with. `code` may be one this UI does not know yet. */
export interface HostErrorBody {
  code: ErrorCode | (string & {});
  message: string;
  errors?: ValidationError[];
  retry_after_seconds?: number | null;
}

// ---- hod-client events.rs, outbox.rs --------------------------------------------------------

export type ConnectionState = 'online' | 'offline' | 'syncing';

/** The connection as the header shows it: offline with N queued changes, syncing, online. */
export interface ConnectionInfo {
  state: ConnectionState;
  /** Changes in the outbox not yet accepted by the server. */
  queued: number;
}

export type OutboxAction =
  | { action: 'accept'; referral_id: ReferralId }
  | { action: 'reject'; referral_id: ReferralId; request: { reason?: string | null } }
  | {
      action: 'set_status';
      referral_id: ReferralId;
      change: {
        to: ReferralStatus;
        completion_outcome?: CompletionOutcome;
        not_a_good_referral_reason?: NotAGoodReferralReason;
      };
    }
  | {
      action: 'log_contact_attempt';
      referral_id: ReferralId;
      request: { channel: ContactChannel; outcome: ContactOutcome; at?: Instant | null };
    }
  | { action: 'save_schedule'; time_zone: TimeZone; weekly: WeeklySchedule }
  | { action: 'set_today'; request: { on: boolean; stop_referrals_at?: Instant | null } }
  | { action: 'set_out_of_office'; request: { from: Instant; to?: Instant | null } }
  | { action: 'clear_out_of_office' }
  | {
      action: 'save_preferences';
      update: {
        preferred_contact_method?: PreferredContactMethod | null;
        state_preferences?: StateCode[] | null;
        languages?: Language[] | null;
      };
    };

/** A queued action the server refused; its optimistic effect was rolled back. */
export interface Refusal {
  outbox_id: number;
  action: OutboxAction;
  error: HostErrorBody;
  rollback: 'restored' | 'needs_refetch';
  refused_at: Instant;
}

// ---- The desktop shell's own shapes ---------------------------------------------------------

export type UiLanguage = 'en' | 'es';
export type Theme = 'system' | 'light' | 'dark';

/** Device settings, kept by the shell (not synced to the server). */
export interface AppSettings {
  language: UiLanguage;
  launch_at_login: boolean;
  sound: boolean;
  theme: Theme;
}

/** Values the login screen starts with (e.g. a demo login from `make run`). */
export interface LoginPrefill {
  server_url: string;
  username: string;
  password?: string | null;
}

export interface SessionState {
  signed_in: boolean;
  server_url: string | null;
  username: string | null;
  prefill: LoginPrefill | null;
  /** The MR-3 alert for this session; null when nothing was missed. */
  missed_alert: MissedAlertView | null;
}

export type Screen = 'referrals' | 'availability' | 'profile' | 'settings';

/** Where a `navigate` event sends the window (tray menu items). */
export interface NavigateTarget {
  screen: Screen;
  /** Open the Out of Office dialog on arrival (tray "Out of Office…"). */
  dialog?: 'out_of_office' | null;
}
