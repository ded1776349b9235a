// An in-memory stand-in for the desktop shell: the UI tests run against it, and `?fake`
// runs the whole UI in a plain browser. It keeps the program's shapes and rules close enough
// for the screens (the accept window, MR-4's missing contact details, the status table), not
// the real engine: the week preview ignores DST subtleties and Out of Office.

import type {
  CommandName,
  EventName,
  Host,
  HostCommands,
  HostEvents,
  Unlisten,
} from './host';
import { HostError } from './host';
import type {
  AppSettings,
  Availability,
  AvailabilitySegment,
  AvailabilityStatus,
  ConnectionInfo,
  DaySchedule,
  HostErrorBody,
  Profile,
  Referral,
  ReferralId,
  ReferralListPage,
  ReferralQuery,
  Schedule,
  SessionState,
  WeeklySchedule,
} from './types';
import { ALLOWED_NEXT, REFERRAL_STATUSES } from './types';
import { addDays, localDate, wallMinutes, weekdayOf, zonedToUtc } from './time';

const MIN = 60_000;


export interface FakeOptions {
  /** The local clock; tests pass a fixed one. */
  now?: () => number;
  signedIn?: boolean;
  /** Server clock minus local clock, ms. */
  offsetMs?: number;
  /** Start with the demo data (offers, referrals, a missed one). */
  demo?: boolean;
  language?: 'en' | 'es';
  /** The app was launched by `hod://referral/<id>`: the shell holds the id until sign-in. */
  launchedFor?: ReferralId;
}

function day(enabled: boolean): DaySchedule {
  return { enabled, start: '08:00', end: '17:00', breaks: [] };
}

/** Monday to Friday, 8:00 a.m. to 5:00 p.m. (AV-1). */
export function standardWeek(): WeeklySchedule {
  return {
    monday: day(true),
    tuesday: day(true),
    wednesday: day(true),
    thursday: day(true),
    friday: day(true),
    saturday: day(false),
    sunday: day(false),
  };
}

export function demoProfile(): Profile {
  return {
    npn: '17000001',
    name: 'Dana Rivera',
    username: 'dana',
    mlms_email: 'dana.rivera@example.org',
    mobile_phone: '555-0100',
    languages: ['en', 'es'],
    preferred_contact_method: 'email_text_app',
    contact_method_warning: null,
    licenses: [
      { state: 'FL', line_of_authority: 'Health', status: 'active', effective: '2024-01-01', expires: '2027-12-31' },
      { state: 'GA', line_of_authority: 'Accident & Health', status: 'active', effective: '2024-01-01', expires: null },
      { state: 'NC', line_of_authority: 'Accident and Health or Sickness', status: 'active', effective: '2023-05-01', expires: null },
      { state: 'OH', line_of_authority: 'Life, Accident & Health', status: 'active', effective: '2022-03-01', expires: null },
      { state: 'TX', line_of_authority: 'Accident & Health', status: 'active', effective: '2021-01-15', expires: null },
      { state: 'TN', line_of_authority: 'Health', status: 'expired', effective: '2019-01-01', expires: '2024-12-31' },
      { state: 'WI', line_of_authority: 'Accident & Health', status: 'active', effective: '2025-02-01', expires: null },
    ],
    eligible_states: ['FL', 'NC', 'OH', 'TX', 'WI'],
    state_preferences: 'all_eligible',
    suspended: null,
  };
}

/** A referral row as the shell sends it: every optional part present, as `null` or empty. */
export function referral(
  fields: Pick<Referral, 'id' | 'status' | 'state' | 'city' | 'zip' | 'language' | 'assigned_at' | 'updated_at'> &
    Partial<Referral>,
): Referral {
  return {
    outcome: null,
    offer: null,
    accepted_at: null,
    contact: null,
    contact_attempts: [],
    completion_outcome: null,
    not_a_good_referral_reason: null,
    ...fields,
  };
}

export function demoReferrals(now: number): Referral[] {
  const iso = (t: number) => new Date(t).toISOString();
  return [
    referral({
      id: 1042,
      status: 'pending',
      outcome: null,
      state: 'TX',
      city: 'Austin',
      zip: '78701',
      language: 'es',
      assigned_at: iso(now - 2 * MIN),
      offer: { offered_at: iso(now - 2 * MIN), deadline: iso(now + 13 * MIN) },
      updated_at: iso(now - 2 * MIN),
    }),
    referral({
      id: 1031,
      status: 'accepted',
      outcome: 'accepted',
      state: 'FL',
      city: 'Tampa',
      zip: '33602',
      language: 'en',
      assigned_at: iso(now - 20 * MIN),
      accepted_at: iso(now - 9 * MIN),
      contact: {
        name: 'Maria Lopez',
        phone: '+1-555-0142',
        email: 'maria.lopez@example.org',
        notes: 'Prefers calls after 3 p.m.',
      },
      contact_attempts: [],
      updated_at: iso(now - 9 * MIN),
    }),
    referral({
      id: 1017,
      status: 'in_progress',
      outcome: 'accepted',
      state: 'OH',
      city: 'Columbus',
      zip: '43215',
      language: 'en',
      assigned_at: iso(now - 26 * 60 * MIN),
      accepted_at: iso(now - 26 * 60 * MIN + 5 * MIN),
      contact: { name: 'James Carter', phone: '+1-555-0117', email: null, notes: null },
      contact_attempts: [
        { channel: 'phone', at: iso(now - 26 * 60 * MIN + 8 * MIN), outcome: 'no_answer' },
        { channel: 'text', at: iso(now - 25 * 60 * MIN), outcome: 'no_answer' },
        { channel: 'phone', at: iso(now - 4 * 60 * MIN), outcome: 'left_message' },
      ],
      updated_at: iso(now - 4 * 60 * MIN),
    }),
    referral({
      id: 1009,
      status: 'pending',
      outcome: 'missed',
      state: 'NC',
      city: 'Raleigh',
      zip: '27601',
      language: 'es',
      assigned_at: iso(now - 2 * 24 * 60 * MIN),
      updated_at: iso(now - 2 * 24 * 60 * MIN + 15 * MIN),
    }),
    referral({
      id: 998,
      status: 'completed',
      outcome: 'accepted',
      state: 'WI',
      city: 'Madison',
      zip: '53703',
      language: 'en',
      assigned_at: iso(now - 4 * 24 * 60 * MIN),
      accepted_at: iso(now - 4 * 24 * 60 * MIN + 3 * MIN),
      contact: { name: 'Ann Lee', phone: '+1-555-0198', email: 'ann.lee@example.org', notes: null },
      contact_attempts: [
        { channel: 'phone', at: iso(now - 4 * 24 * 60 * MIN + 6 * MIN), outcome: 'reached' },
      ],
      completion_outcome: 'enrolled_in_qhp',
      updated_at: iso(now - 3 * 24 * 60 * MIN),
    }),
  ];
}

function segmentsForDay(
  schedule: Schedule,
  date: string,
): AvailabilitySegment[] {
  const tz = schedule.time_zone;
  const d = schedule.weekly[weekdayOf(date)];
  const at = (t: string) => (t === '24:00' ? zonedToUtc(addDays(date, 1), '00:00', tz) : zonedToUtc(date, t, tz)).toISOString();
  const dayStart = at('00:00');
  const dayEnd = at('24:00');
  if (!d.enabled) return [{ start: dayStart, end: dayEnd, available: false, reason: 'day_off' }];
  const out: AvailabilitySegment[] = [];
  if (wallMinutes(d.start) > 0) out.push({ start: dayStart, end: at(d.start), available: false, reason: 'before_hours' });
  let cursor = d.start;
  for (const b of [...d.breaks].sort((a, b) => wallMinutes(a.start) - wallMinutes(b.start))) {
    out.push({ start: at(cursor), end: at(b.start), available: true, reason: 'standard_hours' });
    out.push({ start: at(b.start), end: at(b.end), available: false, reason: 'on_break' });
    cursor = b.end;
  }
  out.push({ start: at(cursor), end: at(d.end), available: true, reason: 'standard_hours' });
  if (d.end !== '24:00') out.push({ start: at(d.end), end: dayEnd, available: false, reason: 'after_hours' });
  return out.filter((s) => s.start < s.end);
}

export function weekSegments(schedule: Schedule, from: Date, to: Date): AvailabilitySegment[] {
  const out: AvailabilitySegment[] = [];
  let date = localDate(from, schedule.time_zone);
  const last = localDate(to, schedule.time_zone);
  for (let i = 0; i < 40 && date <= last; i++, date = addDays(date, 1)) {
    out.push(...segmentsForDay(schedule, date));
  }
  const f = from.toISOString();
  const t = to.toISOString();
  return out
    .filter((s) => s.end > f && s.start < t)
    .map((s) => ({ ...s, start: s.start < f ? f : s.start, end: s.end > t ? t : s.end }));
}

/** The in-memory host. Tests reach into it to push events and set up failures. */
export class FakeHost implements Host {
  readonly now: () => number;
  session: SessionState;
  /** Like the shell: a launch link's referral, given to the first signed-in session answer. */
  private launchedFor: ReferralId | null;
  referrals = new Map<number, Referral>();
  profile: Profile = demoProfile();
  availability: Availability;
  settings: AppSettings;
  connection: ConnectionInfo = { state: 'online', queued: 0 };
  offsetMs: number;
  /** Every call, in order, for assertions. */
  readonly calls: { command: CommandName; args: unknown }[] = [];
  private failures = new Map<CommandName, HostErrorBody>();
  private handlers = new Map<EventName, Set<(payload: never) => void>>();

  private sessionAnswer(): SessionState {
    const open_referral = this.session.signed_in ? this.launchedFor : null;
    if (this.session.signed_in) this.launchedFor = null;
    return { ...this.session, open_referral };
  }

  constructor(options: FakeOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.offsetMs = options.offsetMs ?? 0;
    this.settings = {
      language: options.language ?? 'en',
      launch_at_login: true,
      sound: true,
      theme: 'system',
    };
    this.session = {
      signed_in: options.signedIn ?? true,
      server_url: 'http://127.0.0.1:8080',
      username: 'dana',
      prefill: { server_url: 'http://127.0.0.1:8080', username: 'dana', password: null },
      missed_alert: null,
      open_referral: null,
    };
    this.launchedFor = options.launchedFor ?? null;
    this.availability = {
      settings: { time_zone: 'America/New_York', weekly: standardWeek(), today: null, out_of_office: [] },
      status: { available: false, reason: 'after_hours', until: null },
    };
    if (options.demo ?? true) {
      for (const r of demoReferrals(this.serverNow())) this.referrals.set(r.id, r);
      this.session.missed_alert = {
        count: 1,
        message:
          'Alert! You have missed 1 referral(s) in the last 7 days. As a reminder, you must accept a referral within 15 minutes of receiving your notification. Missed referrals are sent to the next available Help On Demand agent or broker.',
      };
    }
    this.availability.status = this.statusNow();
  }

  serverNow(): number {
    return this.now() + this.offsetMs;
  }

  /** The next call of `command` rejects with `error`. */
  failNext(command: CommandName, error: HostErrorBody): void {
    this.failures.set(command, error);
  }

  emit<E extends EventName>(event: E, payload: HostEvents[E]): void {
    for (const h of this.handlers.get(event) ?? []) (h as (p: HostEvents[E]) => void)(payload);
  }

  async on<E extends EventName>(event: E, handler: (payload: HostEvents[E]) => void): Promise<Unlisten> {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    const listener = handler as (payload: never) => void;
    set.add(listener);
    return () => void set.delete(listener);
  }

  /** Adds a pending offer and announces it, as the sync engine would. */
  offer(referral: Referral): void {
    this.referrals.set(referral.id, referral);
    this.emit('offer_new', { referral_id: referral.id, deadline: referral.offer?.deadline ?? null });
  }

  setConnection(info: ConnectionInfo): void {
    this.connection = info;
    this.emit('connection_state', info);
  }

  call<C extends CommandName>(
    command: C,
    ...args: HostCommands[C]['args'] extends undefined ? [] : [HostCommands[C]['args']]
  ): Promise<HostCommands[C]['result']> {
    this.calls.push({ command, args: args[0] });
    const failure = this.failures.get(command);
    if (failure) {
      this.failures.delete(command);
      return Promise.reject(new HostError(failure));
    }
    try {
      const handler = this.commands[command] as (a: unknown) => unknown;
      return Promise.resolve(structuredClone(handler(args[0]))) as Promise<HostCommands[C]['result']>;
    } catch (e) {
      return Promise.reject(HostError.from(e));
    }
  }

  private statusNow(): AvailabilityStatus {
    const now = this.serverNow();
    const s = this.availability.settings;
    const ooo = (s.out_of_office ?? []).find((o) => Date.parse(o.from) <= now && (!o.to || Date.parse(o.to) > now));
    if (ooo) return { available: false, reason: 'out_of_office', until: ooo.to ?? null };
    const today = s.today;
    if (today && today.date === localDate(new Date(now), s.time_zone)) {
      if (today.switch === 'off') return { available: false, reason: 'today_off', until: null };
      if (Date.parse(today.stop_referrals_at) > now)
        return { available: true, reason: 'today_on', until: today.stop_referrals_at };
      return { available: false, reason: 'referrals_stopped', until: null };
    }
    const segs = weekSegments(s, new Date(now), new Date(now + 8 * 24 * 60 * MIN));
    const cur = segs[0];
    if (!cur) return { available: false, reason: 'day_off', until: null };
    const flip = segs.find((x) => x.available !== cur.available);
    return { available: cur.available, reason: cur.reason, until: flip?.start ?? null };
  }

  private refreshAvailability(): Availability {
    this.availability.status = this.statusNow();
    this.emit('availability_changed', { status: this.availability.status });
    return this.availability;
  }

  private get(id: number): Referral {
    const r = this.referrals.get(id);
    if (!r) throw new HostError({ code: 'not_found', message: `No referral ${id}.` });
    return r;
  }

  private touch(r: Referral): Referral {
    r.updated_at = new Date(this.serverNow()).toISOString();
    this.emit('referral_changed', { referral_id: r.id });
    return r;
  }

  private list(query: ReferralQuery): ReferralListPage {
    const text = query.text?.trim().toLowerCase();
    let rows = [...this.referrals.values()].filter((r) => {
      if (query.statuses.length && !query.statuses.includes(r.status)) return false;
      if (query.states.length && !query.states.includes(r.state)) return false;
      if (query.languages.length && !query.languages.includes(r.language)) return false;
      if (query.missed_only && r.outcome !== 'missed') return false;
      if (text) {
        const name = r.contact?.name ?? (r.outcome === 'missed' ? 'Missed Referral' : '');
        if (![r.city, r.zip, name].some((v) => v.toLowerCase().includes(text))) return false;
      }
      return true;
    });
    const dir = query.direction === 'ascending' ? 1 : -1;
    const rank = (r: Referral) => REFERRAL_STATUSES.indexOf(r.status);
    rows.sort((a, b) => {
      const byAssigned = a.assigned_at.localeCompare(b.assigned_at);
      if (query.sort === 'status') return dir * (rank(a) - rank(b)) || -byAssigned;
      if (query.sort === 'state') return dir * a.state.localeCompare(b.state) || -byAssigned;
      return dir * byAssigned || dir * (a.id - b.id);
    });
    const total = rows.length;
    rows = rows.slice(query.offset, query.offset + query.limit);
    return { referrals: rows, total };
  }

  private commands: { [C in CommandName]: (args: HostCommands[C]['args']) => HostCommands[C]['result'] } = {
    session_state: () => this.sessionAnswer(),
    login: (a) => {
      if (!a.username || a.password.length < 8) {
        throw new HostError({ code: 'unauthorized', message: 'Wrong username or password.' });
      }
      this.session = { ...this.session, signed_in: true, server_url: a.server_url, username: a.username };
      return this.sessionAnswer();
    },
    logout: () => {
      this.session = { ...this.session, signed_in: false };
    },
    list_referrals: (a) => this.list(a.query),
    get_referral: (a) => this.get(a.id),
    pending_offers: () =>
      [...this.referrals.values()]
        .filter((r) => r.status === 'pending' && r.offer && r.outcome !== 'missed')
        .sort((a, b) => a.offer!.deadline.localeCompare(b.offer!.deadline)),
    accept_offer: (a) => {
      const r = this.get(a.id);
      if (r.status !== 'pending' || !r.offer) throw new HostError({ code: 'offer_not_pending', message: 'The offer is no longer pending.' });
      if (Date.parse(r.offer.deadline) <= this.serverNow()) {
        throw new HostError({ code: 'accept_window_closed', message: 'The accept window closed.' });
      }
      const now = new Date(this.serverNow()).toISOString();
      Object.assign(r, {
        status: 'accepted',
        outcome: 'accepted',
        offer: null,
        accepted_at: now,
        contact: { name: 'Consumer ' + r.id, phone: '+1-555-0150', email: `consumer${r.id}@example.org`, notes: null },
        contact_attempts: [],
      });
      this.emit('offer_resolved', { referral_id: r.id, outcome: 'accepted' });
      return this.touch(r);
    },
    reject_offer: (a) => {
      const r = this.get(a.id);
      if (r.status !== 'pending' || !r.offer) throw new HostError({ code: 'offer_not_pending', message: 'The offer is no longer pending.' });
      Object.assign(r, { status: 'rejected', outcome: 'rejected', offer: null });
      this.emit('offer_resolved', { referral_id: r.id, outcome: 'rejected' });
      this.touch(r);
    },
    set_referral_status: (a) => {
      const r = this.get(a.id);
      if (!ALLOWED_NEXT[r.status].includes(a.status)) {
        throw new HostError({ code: 'illegal_transition', message: `Cannot move from ${r.status} to ${a.status}.` });
      }
      r.status = a.status;
      r.completion_outcome = a.status === 'completed' ? (a.completion_outcome ?? null) : null;
      r.not_a_good_referral_reason = a.status === 'not_a_good_referral' ? (a.not_a_good_referral_reason ?? null) : null;
      return this.touch(r);
    },
    log_contact_attempt: (a) => {
      const r = this.get(a.id);
      const at = a.at ?? new Date(this.serverNow()).toISOString();
      r.contact_attempts = [...(r.contact_attempts ?? []), { channel: a.channel, outcome: a.outcome, at }];
      return this.touch(r);
    },
    get_availability: () => {
      this.availability.status = this.statusNow();
      return this.availability;
    },
    availability_summary: () => this.statusNow(),
    week_preview: (a) =>
      weekSegments(a.schedule ?? this.availability.settings, new Date(a.from), new Date(a.to)),
    save_schedule: (a) => {
      for (const [name, d] of Object.entries(a.schedule.weekly)) {
        if (d.enabled && wallMinutes(d.end) <= wallMinutes(d.start)) {
          throw new HostError({
            code: 'validation',
            message: 'The end of the hours must be after their start.',
            errors: [{ field: `weekly.${name}.end`, rule: 'AV-1', code: 'end_not_after_start', message: 'end must be after start' }],
          });
        }
      }
      this.availability.settings = { ...this.availability.settings, ...a.schedule };
      return this.refreshAvailability();
    },
    set_today: (a) => {
      const s = this.availability.settings;
      const now = this.serverNow();
      const date = localDate(new Date(now), s.time_zone);
      const base = { date, set_at: new Date(now).toISOString() };
      if (a.on) {
        const hours = s.weekly[weekdayOf(date)];
        const end = zonedToUtc(date, hours.end === '24:00' ? '23:59' : hours.end, s.time_zone).getTime();
        const stop = a.stop_at ?? new Date(hours.enabled && end > now ? end : zonedToUtc(addDays(date, 1), '00:00', s.time_zone).getTime()).toISOString();
        s.today = { ...base, switch: 'on', stop_referrals_at: stop };
      } else {
        s.today = { ...base, switch: 'off' };
      }
      return this.refreshAvailability();
    },
    set_out_of_office: (a) => {
      if (a.to && a.to <= a.from) {
        throw new HostError({
          code: 'validation',
          message: 'To must be after From.',
          errors: [{ field: 'to', rule: 'AV-7', code: 'end_not_after_start', message: 'to must be after from' }],
        });
      }
      this.availability.settings.out_of_office = [{ from: a.from, to: a.to ?? null }];
      return this.refreshAvailability();
    },
    clear_out_of_office: () => {
      this.availability.settings.out_of_office = [];
      return this.refreshAvailability();
    },
    get_profile: () => this.profile,
    save_preferences: (a) => {
      const bad = a.state_preferences.filter((s) => !this.profile.eligible_states.includes(s));
      if (bad.length) {
        throw new HostError({
          code: 'validation',
          message: `Not eligible: ${bad.join(', ')}.`,
          errors: bad.map((s, i) => ({ field: `state_preferences[${i}]`, rule: 'ST-3', code: 'state_not_eligible', message: `${s} is not eligible` })),
        });
      }
      this.profile = {
        ...this.profile,
        preferred_contact_method: a.preferred_contact_method,
        contact_method_warning: a.preferred_contact_method === 'email_only' ? 'email_only_may_delay' : null,
        state_preferences: { selected: [...a.state_preferences].sort() },
        languages: a.languages,
      };
      this.emit('profile_changed', null);
      return this.profile;
    },
    get_settings: () => this.settings,
    save_settings: (a) => {
      this.settings = { ...a };
      return this.settings;
    },
    connection_state: () => this.connection,
    server_time_offset: () => this.offsetMs,
  };
}
