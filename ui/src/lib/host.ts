// The one place that talks to the desktop shell. Everything else in the UI calls a `Host`,
// so screens run the same against the Tauri backend and against the in-memory stand-in
// (`host.fake.ts`) in tests and in a plain browser (`?fake`).
//
// The contract with the shell (`src-tauri/`):
// - command names are snake_case; argument keys are snake_case too, so the shell declares
//   its commands with `#[tauri::command(rename_all = "snake_case")]`;
// - a failed command rejects with `{code, message}` (`HostErrorBody`); the UI translates
//   `code` and falls back to `message`;
// - events are emitted to the window under the names in `HostEvents`.

import type {
  AppSettings,
  Availability,
  AvailabilityChanged,
  AvailabilitySegment,
  AvailabilityStatus,
  CompletionOutcome,
  ConnectionInfo,
  ContactChannel,
  ContactOutcome,
  HostErrorBody,
  Instant,
  Language,
  MissedAlertView,
  NavigateTarget,
  NotAGoodReferralReason,
  OfferNew,
  OfferResolved,
  PreferredContactMethod,
  Profile,
  Referral,
  ReferralId,
  ReferralListPage,
  ReferralQuery,
  ReferralRef,
  ReferralStatus,
  Refusal,
  Schedule,
  SessionState,
  StateCode,
} from './types';

/** Every command: its arguments and what it resolves to. */
export interface HostCommands {
  session_state: { args: undefined; result: SessionState };
  login: { args: { server_url: string; username: string; password: string }; result: SessionState };
  logout: { args: undefined; result: void };

  list_referrals: { args: { query: ReferralQuery }; result: ReferralListPage };
  get_referral: { args: { id: ReferralId }; result: Referral };
  /** Offers waiting for an answer, closest deadline first (MR-1). */
  pending_offers: { args: undefined; result: Referral[] };
  accept_offer: { args: { id: ReferralId }; result: Referral };
  /** CE-3: rejecting carries no penalty. */
  reject_offer: { args: { id: ReferralId; reason?: string | null }; result: void };
  set_referral_status: {
    args: {
      id: ReferralId;
      status: ReferralStatus;
      completion_outcome?: CompletionOutcome | null;
      not_a_good_referral_reason?: NotAGoodReferralReason | null;
    };
    result: Referral;
  };
  log_contact_attempt: {
    args: { id: ReferralId; channel: ContactChannel; outcome: ContactOutcome; at?: Instant | null };
    result: Referral;
  };

  get_availability: { args: undefined; result: Availability };
  /** Available now? Why, until when? From the cached settings, so right offline too. */
  availability_summary: { args: undefined; result: AvailabilityStatus };
  /** Segments from `from` to `to`; with `schedule`, for those unsaved Standard Hours. */
  week_preview: {
    args: { from: Instant; to: Instant; schedule?: Schedule | null };
    result: AvailabilitySegment[];
  };
  save_schedule: { args: { schedule: Schedule }; result: Availability };
  /** AV-6; `stop_at` is the Stop Referrals time, the default when absent. */
  set_today: { args: { on: boolean; stop_at?: Instant | null }; result: Availability };
  /** AV-7; no `to` means No End Date. */
  set_out_of_office: { args: { from: Instant; to?: Instant | null }; result: Availability };
  clear_out_of_office: { args: undefined; result: Availability };

  get_profile: { args: undefined; result: Profile };
  save_preferences: {
    args: {
      preferred_contact_method: PreferredContactMethod;
      state_preferences: StateCode[];
      languages: Language[];
    };
    result: Profile;
  };

  get_settings: { args: undefined; result: AppSettings };
  save_settings: { args: AppSettings; result: AppSettings };

  connection_state: { args: undefined; result: ConnectionInfo };
  /** Server clock minus local clock, in milliseconds; countdowns run on server time. */
  server_time_offset: { args: undefined; result: number };
}

/** Every event the shell emits, and its payload. */
export interface HostEvents {
  offer_new: OfferNew;
  offer_resolved: OfferResolved;
  referral_changed: ReferralRef;
  availability_changed: AvailabilityChanged;
  profile_changed: null;
  missed_alert_changed: MissedAlertView;
  connection_state: ConnectionInfo;
  outbox_refused: Refusal;
  /** The server no longer accepts the session: back to the login screen. */
  signed_out: null;
  /** A notification click or deep link asks for a referral. */
  open_referral: ReferralRef;
  /** The tray menu asks for a screen. */
  navigate: NavigateTarget;
}

export type CommandName = keyof HostCommands;
export type EventName = keyof HostEvents;
export type Unlisten = () => void;

/** The command names, in contract order (see `ui/README.md`). */
export const COMMANDS: readonly CommandName[] = [
  'session_state',
  'login',
  'logout',
  'list_referrals',
  'get_referral',
  'pending_offers',
  'accept_offer',
  'reject_offer',
  'set_referral_status',
  'log_contact_attempt',
  'get_availability',
  'availability_summary',
  'week_preview',
  'save_schedule',
  'set_today',
  'set_out_of_office',
  'clear_out_of_office',
  'get_profile',
  'save_preferences',
  'get_settings',
  'save_settings',
  'connection_state',
  'server_time_offset',
];

export const EVENTS: readonly EventName[] = [
  'offer_new',
  'offer_resolved',
  'referral_changed',
  'availability_changed',
  'profile_changed',
  'missed_alert_changed',
  'connection_state',
  'outbox_refused',
  'signed_out',
  'open_referral',
  'navigate',
];

export interface Host {
  call<C extends CommandName>(
    command: C,
    ...args: HostCommands[C]['args'] extends undefined ? [] : [HostCommands[C]['args']]
  ): Promise<HostCommands[C]['result']>;
  on<E extends EventName>(event: E, handler: (payload: HostEvents[E]) => void): Promise<Unlisten>;
}

/** A failed command, as the UI handles it. */
export class HostError extends Error {
  readonly code: string;
  readonly body: HostErrorBody;

  constructor(body: HostErrorBody) {
    super(body.message);
    this.name = 'HostError';
    this.code = body.code;
    this.body = body;
  }

  /** Whatever a command rejected with, as a `HostError`. */
  static from(reason: unknown): HostError {
    if (reason instanceof HostError) return reason;
    if (typeof reason === 'object' && reason !== null && 'code' in reason) {
      const r = reason as Partial<HostErrorBody>;
      return new HostError({
        code: String(r.code),
        message: typeof r.message === 'string' ? r.message : '',
        errors: Array.isArray(r.errors) ? r.errors : undefined,
        retry_after_seconds: r.retry_after_seconds ?? null,
      });
    }
    const message = reason instanceof Error ? reason.message : String(reason);
    return new HostError({ code: 'internal', message });
  }
}

/** The host inside the Tauri window. */
export async function tauriHost(): Promise<Host> {
  const [{ invoke }, { listen }] = await Promise.all([
    import('@tauri-apps/api/core'),
    import('@tauri-apps/api/event'),
  ]);
  return {
    async call(command, ...args) {
      try {
        return await invoke(command, args[0] as Record<string, unknown> | undefined);
      } catch (reason) {
        throw HostError.from(reason);
      }
    },
    async on(event, handler) {
      return listen(event, (e) => handler(e.payload as never));
    },
  };
}

/** Whether the page runs inside the Tauri shell. */
export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
