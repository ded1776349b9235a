// Generated from the Rust types by `make bindings` (src-tauri/src/bindings.rs). Do not edit:
// a test fails when this file and the Rust definitions disagree.
// Instants are RFC 3339 UTC strings; wall times "HH:MM"; dates "YYYY-MM-DD".

/**
 * A program rule id, written like `AV-4` on the wire and in messages.
 */
export type Rule = "CP-1" | "CP-2" | "CP-3" | "CE-1" | "CE-2" | "CE-3" | "CE-4" | "AV-1" | "AV-2" | "AV-3" | "AV-4" | "AV-5" | "AV-6" | "AV-7" | "AV-8" | "AV-9" | "RS-1" | "RS-2" | "RS-3" | "RS-4" | "RS-5" | "RS-6" | "RS-7" | "RS-8" | "ST-1" | "ST-2" | "ST-3" | "MR-1" | "MR-2" | "MR-3" | "MR-4" | "MR-5";

/**
 * A U.S. state, the District of Columbia or a territory, written as its postal code
 * ("TX"). Ordered by code, so sets of states list alphabetically.
 */
export type StateCode = string;

/**
 * A language as a lower-case ISO 639 code of two or three letters.
 */
export type Language = string;

/**
 * A time of day on the agent's wall clock, to the minute.
 *
 * `24:00` is allowed and means the end of the local day, so hours can run to midnight.
 */
export type WallTime = string;

/**
 * The agent's IANA time zone (AV-2), e.g. `America/Chicago`.
 */
export type AgentTimeZone = string;

/**
 * Where a referral stands, in the words of Manage Referrals.
 */
export type ReferralStatus = "pending" | "accepted" | "rejected" | "in_progress" | "not_a_good_referral" | "completed";

/**
 * RS-6: how a completed referral ended. RS-8 asks agents to point consumers to QHPs, Medicaid and
 * CHIP where they fit; completion records which one it was.
 */
export type CompletionOutcome = "enrolled_in_qhp" | "referred_to_medicaid_chip";

/**
 * RS-5: why the agent cannot help. Optional; the tip sheet's examples plus CE-4's case.
 */
export type NotAGoodReferralReason = "wrong_contact_details" | "working_with_another_broker" | "no_response_after_three_attempts" | "not_eligible" | "other";

/**
 * The agent's "set status" request: the new status and what it needs.
 */
export type StatusChange = { to: ReferralStatus, 
/**
 * Required with Referral Completed, refused with any other status (RS-6).
 */
completion_outcome?: CompletionOutcome | null, 
/**
 * Allowed only with Not a Good Referral (RS-5).
 */
not_a_good_referral_reason?: NotAGoodReferralReason | null, };

/**
 * How an offer ended for the agent it was made to.
 */
export type OfferOutcome = "accepted" | "rejected" | "missed" | "withdrawn";

/**
 * How the agent tried to reach the consumer.
 */
export type ContactChannel = "phone" | "text" | "email";

/**
 * What came of one attempt.
 */
export type ContactOutcome = "reached" | "left_message" | "no_answer" | "wrong_number" | "undeliverable";

/**
 * One logged attempt to contact the consumer. Carries no contact details itself.
 */
export type ContactAttempt = { channel: ContactChannel, at: string, outcome: ContactOutcome, };

export type ReferralId = number;

export type ConsumerContact = { name: string, phone: string, email: string | null, notes: string | null, };

/**
 * The accept window of a pending offer (MR-1), deadline by the server's clock.
 */
export type OfferView = { offered_at: string, deadline: string, };

/**
 * One row of Manage Referrals, from this agent's side.
 */
export type Referral = { id: ReferralId, 
/**
 * This agent's status for the referral (RS-1..RS-6).
 */
status: ReferralStatus, 
/**
 * How this agent's offer ended; `missed` rows carry no contact details (MR-4).
 */
outcome: OfferOutcome | null, state: StateCode, city: string, zip: string, language: Language, 
/**
 * *Referral Assigned*: when it was offered to this agent.
 */
assigned_at: string, 
/**
 * Present while the offer is pending.
 */
offer: OfferView | null, accepted_at: string | null, 
/**
 * Only after this agent accepted.
 */
contact: ConsumerContact | null, contact_attempts: Array<ContactAttempt>, completion_outcome: CompletionOutcome | null, not_a_good_referral_reason: NotAGoodReferralReason | null, updated_at: string, };

/**
 * Reject an offer, with an optional reason (CE-3: no penalty).
 */
export type RejectRequest = { reason: string | null, };

/**
 * Log a contact attempt (CE-4).
 */
export type ContactAttemptRequest = { channel: ContactChannel, outcome: ContactOutcome, 
/**
 * When it happened; the server's now when absent.
 */
at: string | null, };

/**
 * The missed-referral alert (MR-3), present only when the count is above zero.
 */
export type MissedAlertView = { count: number, 
/**
 * The program's wording, in the language asked for.
 */
message: string, };

/**
 * A period inside the day's hours when the agent is not available, e.g. lunch (AV-4).
 */
export type Break = { start: WallTime, end: WallTime, };

/**
 * One day of the week: whether it is taken in (AV-3), its hours and its breaks.
 *
 * A day switched off keeps its hours, so switching it back on restores them.
 */
export type DaySchedule = { enabled: boolean, start: WallTime, end: WallTime, breaks: Array<Break>, };

/**
 * The Standard Hours of Availability for each day of the week.
 */
export type WeeklySchedule = { monday: DaySchedule, tuesday: DaySchedule, wednesday: DaySchedule, thursday: DaySchedule, friday: DaySchedule, saturday: DaySchedule, sunday: DaySchedule, };

/**
 * The position of the Today's Availability switch.
 */
export type TodaySwitch = { "switch": "on", stop_referrals_at: string, } | { "switch": "off" };

/**
 * Today's Availability as switched on a given local date.
 */
export type TodayOverride = { 
/**
 * The agent's local date the override belongs to.
 */
date: string, 
/**
 * When the agent flipped the switch.
 */
set_at: string, } & ({ "switch": "on", stop_referrals_at: string, } | { "switch": "off" });

/**
 * From `from` until `to`; with no `to` ("No End Date") it lasts until switched off.
 */
export type OutOfOffice = { from: string, to: string | null, };

/**
 * Everything that decides when an agent receives referrals.
 */
export type AvailabilitySettings = { time_zone: AgentTimeZone, weekly: WeeklySchedule, 
/**
 * Today's Availability, when the agent has switched it today (AV-6).
 */
today: TodayOverride | null, 
/**
 * Out of Office periods (AV-7).
 */
out_of_office: Array<OutOfOffice>, };

/**
 * Why an agent is or is not available.
 */
export type AvailabilityReason = "standard_hours" | "today_on" | "out_of_office" | "today_off" | "referrals_stopped" | "on_break" | "before_hours" | "after_hours" | "day_off";

/**
 * The answer to "can this agent take a referral now?".
 */
export type AvailabilityStatus = { available: boolean, reason: AvailabilityReason, 
/**
 * When `available` next flips; `None` when it never does (e.g. Out of Office with No
 * End Date, or no day of the week taken in).
 */
until: string | null, };

/**
 * A stretch of time with one availability and one reason, for a week view.
 */
export type AvailabilitySegment = { start: string, end: string, available: boolean, reason: AvailabilityReason, };

/**
 * The Availability Settings screen and what it means right now.
 */
export type Availability = { settings: AvailabilitySettings, status: AvailabilityStatus, };

/**
 * Switch Today's Availability (AV-6).
 */
export type TodayRequest = { on: boolean, 
/**
 * With `on`: the Stop Referrals time; the default when absent.
 */
stop_referrals_at: string | null, };

/**
 * Set Out of Office (AV-7); no `to` means No End Date.
 */
export type OutOfOfficeRequest = { from: string, to: string | null, };

/**
 * The agent's Preferred Contact Method: exactly the four options of CP-1.
 *
 * The default is the recommended *Email, Text & App Notification* (CP-2).
 */
export type PreferredContactMethod = "email_text_app" | "email_text" | "email_app" | "email_only";

/**
 * A caution shown when the agent picks a Preferred Contact Method (CP-2).
 */
export type ContactMethodWarning = "email_only_may_delay";

/**
 * Where a license stands with the state that issued it. Only [`LicenseStatus::Active`]
 * counts toward receiving referrals (rule ST-1).
 */
export type LicenseStatus = "active" | "inactive" | "expired" | "suspended" | "revoked";

/**
 * One line of authority on one state license.
 *
 * NIPR lists the lines of authority of a license separately, each with its own status and
 * dates, so a license with two lines is two `License` values.
 */
export type License = { state: StateCode, 
/**
 * The state's own label, e.g. "Accident & Health" (see
 * [`HealthLineMatcher`](super::HealthLineMatcher)).
 */
line_of_authority: string, status: LicenseStatus, 
/**
 * First day the line of authority is in force.
 */
effective: string, 
/**
 * Last day the line of authority is in force; `None` for lines that do not expire.
 */
expires: string | null, };

/**
 * The states an agent wants referrals from.
 *
 * Until the agent saves a choice, the preferences are every eligible state (ST-2), and that
 * follows the licenses: a state the agent becomes eligible in is included at once. After
 * saving, only the saved states count (ST-3), and only while they stay eligible, because a
 * license can lapse after the choice was saved.
 */
export type StatePreferences = "all_eligible" | { "selected": Array<StateCode> };

/**
 * Why and since when an agent is suspended (AV-9).
 */
export type Suspension = { since: string, reason: string, };

export type Profile = { npn: string, name: string, username: string, 
/**
 * From the MLMS profile; read-only here, changed on the CMS Enterprise Portal (CP-3).
 */
mlms_email: string, mobile_phone: string, languages: Array<Language>, preferred_contact_method: PreferredContactMethod, 
/**
 * Set for Email Only (CP-2).
 */
contact_method_warning: ContactMethodWarning | null, licenses: Array<License>, 
/**
 * States the agent may receive referrals from today (ST-1).
 */
eligible_states: Array<StateCode>, state_preferences: StatePreferences, suspended: Suspension | null, };

/**
 * Changes from the Profile screen; absent fields stay as they are.
 */
export type ProfileUpdate = { preferred_contact_method: PreferredContactMethod | null, 
/**
 * The selected states (ST-2); each must be eligible (ST-3).
 */
state_preferences: Array<StateCode> | null, languages: Array<Language> | null, };

/**
 * What is wrong with one field.
 */
export type ValidationCode = "end_not_after_start" | "break_outside_hours" | "breaks_overlap" | "unknown_time_zone" | "unknown_state" | "state_not_eligible" | "out_of_range" | "malformed" | "missing" | "not_allowed";

/**
 * One problem with one field.
 */
export type ValidationError = { 
/**
 * Path of the field in the wire form, e.g. `weekly.monday.breaks[0].start`.
 */
field: string, 
/**
 * The program rule the value breaks.
 */
rule: Rule, 
/**
 * Machine-readable kind of problem (for translation in the UI).
 */
code: ValidationCode, 
/**
 * A sentence for a person, in English.
 */
message: string, };

/**
 * Stable error codes; clients translate these, never the message.
 */
export type ErrorCode = "validation" | "unauthorized" | "forbidden" | "not_found" | "accept_window_closed" | "illegal_transition" | "offer_not_pending" | "idempotency_conflict" | "rate_limited" | "suspended" | "internal";

export type ApiError = { code: ErrorCode, message: string, 
/**
 * For `validation`: every field in error, with the rule it breaks.
 */
errors?: Array<ValidationError>, retry_after_seconds?: number | null, };

/**
 * What a failed command rejects with: a stable code the UI translates, and a message.
 */
export type ErrorBody = { code: string, message: string, 
/**
 * For `validation`: every field in error, with the rule it breaks.
 */
errors?: Array<ValidationError>, retry_after_seconds?: number | null, };

export type ReferralSort = "assigned_at" | "status" | "state";

export type SortDirection = "ascending" | "descending";

/**
 * Filters, sort and page for Manage Referrals. Empty filter lists mean "any".
 */
export type ReferralQuery = { statuses: Array<ReferralStatus>, states: Array<StateCode>, languages: Array<Language>, 
/**
 * Only rows this agent missed (MR-2, MR-4).
 */
missed_only: boolean, 
/**
 * Case-insensitive substring of the city, zip or name column.
 */
text: string | null, sort: ReferralSort, direction: SortDirection, offset: number, limit: number, };

export type ReferralListPage = { referrals: Array<Referral>, 
/**
 * Rows matching the filters, over all pages.
 */
total: number, };

export type ConnectionState = "online" | "offline" | "syncing";

/**
 * One agent action, as it will be sent.
 */
export type OutboxAction = { "action": "accept", referral_id: ReferralId, } | { "action": "reject", referral_id: ReferralId, request: RejectRequest, } | { "action": "set_status", referral_id: ReferralId, change: StatusChange, } | { "action": "log_contact_attempt", referral_id: ReferralId, request: ContactAttemptRequest, } | { "action": "save_schedule", time_zone: AgentTimeZone, weekly: WeeklySchedule, } | { "action": "set_today", request: TodayRequest, } | { "action": "set_out_of_office", request: OutOfOfficeRequest, } | { "action": "clear_out_of_office" } | { "action": "save_preferences", update: ProfileUpdate, };

/**
 * What happened to the optimistic effect of a refused item.
 */
export type Rollback = "restored" | "needs_refetch";

/**
 * A queued action the server refused, for the UI to list until dismissed.
 */
export type Refusal = { outbox_id: number, action: OutboxAction, error: ApiError, rollback: Rollback, refused_at: string, };

/**
 * The language of the app's own texts (tray, notifications).
 */
export type Locale = "en" | "es";

export type Theme = "system" | "light" | "dark";

export type AppSettings = { language: Locale, launch_at_login: boolean, sound: boolean, theme: Theme, };

/**
 * Values the login screen starts with (`make run` passes a demo login).
 */
export type LoginPrefill = { server_url: string, username: string, password: string | null, };

export type SessionState = { signed_in: boolean, server_url: string | null, username: string | null, prefill: LoginPrefill | null, missed_alert: MissedAlertView | null, 
/**
 * A referral to open at once: the app was launched by its `hod://referral/<id>` link.
 * Given to the first signed-in answer only.
 */
open_referral: ReferralId | null, };

export type ConnectionInfo = { state: ConnectionState, 
/**
 * Actions in the outbox the server has not answered yet.
 */
queued: number, };

/**
 * Standard Hours as the Availability Settings screen saves them (AV-5).
 */
export type Schedule = { time_zone: AgentTimeZone, weekly: WeeklySchedule, };

/**
 * `offer_new`: a new offer inside its accept window (MR-1).
 */
export type OfferNew = { referral_id: ReferralId, 
/**
 * The accept deadline by the server's clock.
 */
deadline: string | null, };

/**
 * `offer_resolved`: an offer ended (accepted, rejected, missed or withdrawn).
 */
export type OfferResolved = { referral_id: ReferralId, outcome: OfferOutcome, };

/**
 * `referral_changed`, and `open_referral` (a notification click or deep link asks for a
 * referral).
 */
export type ReferralRef = { referral_id: ReferralId, };

/**
 * `availability_changed`: the settings changed; `status` is the server's, when it sent one.
 */
export type AvailabilityChanged = { status: AvailabilityStatus | null, };

/**
 * The window's screens.
 */
export type Screen = "referrals" | "availability" | "profile" | "settings";

/**
 * A dialog a `navigate` event opens on arrival.
 */
export type Dialog = "out_of_office";

/**
 * `navigate`: the tray menu asks for a screen.
 */
export type NavigateTarget = { screen: Screen, dialog: Dialog | null, };
