// The state every screen shares: the session, the connection, the clock on server time, the
// pending offers, availability, profile and device settings. It listens to the host's events
// and never polls the backend; only the clock ticks: every second while a countdown is on
// screen, else once a minute (docs/benchmarks.md, "Desktop footprint").

import { getContext, setContext } from 'svelte';
import type { Host, Unlisten } from './host';
import type {
  AppSettings,
  Availability,
  ConnectionInfo,
  MissedAlertView,
  OutOfOffice,
  Profile,
  Referral,
  ReferralId,
  Refusal,
  Screen,
  SessionState,
} from './types';
import { i18n } from './i18n/index.svelte';
import { detectTimeZone } from './time';

export const DEFAULT_SETTINGS: AppSettings = {
  language: 'en',
  launch_at_login: false,
  sound: true,
  theme: 'system',
};

export class AppState {
  readonly host: Host;
  private readonly clock: () => number;

  session = $state<SessionState | null>(null);
  settings = $state<AppSettings>({ ...DEFAULT_SETTINGS });
  connection = $state<ConnectionInfo>({ state: 'online', queued: 0 });
  /** How many `connection_state` events arrived; a stale command answer must not win. */
  private connectionEvents = 0;
  /** Server clock minus local clock, ms. */
  offsetMs = $state(0);
  /** The local clock: refreshed every second while a countdown is shown, else each minute. */
  now = $state(0);
  offers = $state<Referral[]>([]);
  availability = $state<Availability | null>(null);
  profile = $state<Profile | null>(null);
  missedAlert = $state<MissedAlertView | null>(null);
  missedAlertDismissed = $state(false);
  refusals = $state<Refusal[]>([]);
  screen = $state<Screen>('referrals');
  /** The referral shown in detail, if any. */
  openReferral = $state<ReferralId | null>(null);
  /** Set when something (tray, header) asks for the Out of Office dialog. */
  outOfOfficeRequested = $state(false);
  /** Bumped when a referral changes, so lists reload. */
  referralsVersion = $state(0);
  loaded = $state(false);

  private unlisten: Unlisten[] = [];
  private ticker: ReturnType<typeof setTimeout> | undefined;
  private ticking = false;
  /** Countdowns in seconds on screen (an offer card, a CE timer), each holding the tick. */
  private secondsHolds = 0;
  private readonly tick = (): void => {
    this.now = this.clock();
    this.schedule();
  };

  constructor(host: Host, clock: () => number = () => Date.now()) {
    this.host = host;
    this.clock = clock;
    this.now = clock();
  }

  /** The server's clock, which offer deadlines are on (MR-1). */
  get serverNow(): number {
    return this.now + this.offsetMs;
  }

  /** The agent's zone for showing times: their Availability Settings, else the device's. */
  get timeZone(): string {
    return this.availability?.settings.time_zone ?? detectTimeZone();
  }

  get signedIn(): boolean {
    return this.session?.signed_in ?? false;
  }

  /** The Out of Office period in force now or still ahead, if any (AV-7). */
  get outOfOffice(): OutOfOffice | null {
    const now = this.serverNow;
    const periods = this.availability?.settings.out_of_office ?? [];
    return periods.find((o) => !o.to || Date.parse(o.to) > now) ?? null;
  }

  /**
   * Makes the clock tick every second until the returned function is called: a component
   * showing a countdown holds it while mounted (`$effect(() => app.holdSecondsTick())`).
   */
  holdSecondsTick(): () => void {
    this.secondsHolds++;
    this.tick();
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.secondsHolds--;
    };
  }

  /**
   * The next tick, on the server clock's next whole second while a countdown is shown and
   * the page is visible, else on its next whole minute: everything else the window shows
   * (Out of Office in force, today's date) moves at most once a minute. An idle app so wakes
   * the web view once a minute instead of every second.
   */
  private schedule(): void {
    clearTimeout(this.ticker);
    if (!this.ticking) return;
    const period = this.secondsHolds > 0 && !document.hidden ? 1000 : 60_000;
    const at = this.clock() + this.offsetMs;
    const sinceBoundary = ((at % period) + period) % period;
    this.ticker = setTimeout(this.tick, period - sinceBoundary + 5);
  }

  async start(): Promise<void> {
    this.ticking = true;
    this.tick();
    document.addEventListener('visibilitychange', this.tick);
    const h = this.host;
    this.unlisten = await Promise.all([
      h.on('offer_new', () => this.loadOffers()),
      h.on('offer_resolved', (p) => {
        this.offers = this.offers.filter((o) => o.id !== p.referral_id);
        this.referralsVersion++;
      }),
      h.on('referral_changed', () => this.referralsVersion++),
      h.on('availability_changed', () => this.loadAvailability()),
      h.on('profile_changed', () => this.loadProfile()),
      h.on('missed_alert_changed', (p) => {
        this.missedAlert = p.count > 0 ? p : null;
        this.missedAlertDismissed = false;
      }),
      h.on('connection_state', (p) => {
        this.connectionEvents++;
        this.connection = p;
        if (p.state === 'online') void this.loadOffset();
      }),
      h.on('outbox_refused', (p) => {
        this.refusals = [...this.refusals, p];
        this.referralsVersion++;
      }),
      h.on('signed_out', () => void this.signedOut()),
      h.on('open_referral', (p) => {
        this.screen = 'referrals';
        this.openReferral = p.referral_id;
      }),
      h.on('navigate', (p) => {
        this.screen = p.screen;
        this.openReferral = null;
        if (p.dialog === 'out_of_office') this.outOfOfficeRequested = true;
      }),
    ]);
    try {
      this.applySettings(await h.call('get_settings'));
    } catch {
      // Defaults stand in until the shell answers.
    }
    this.session = await h.call('session_state');
    if (this.signedIn) await this.loadSignedIn();
    this.loaded = true;
  }

  stop(): void {
    this.ticking = false;
    clearTimeout(this.ticker);
    document.removeEventListener('visibilitychange', this.tick);
    for (const u of this.unlisten) u();
    this.unlisten = [];
  }

  applySettings(settings: AppSettings): void {
    this.settings = settings;
    i18n.lang = settings.language;
  }

  async saveSettings(settings: AppSettings): Promise<void> {
    this.applySettings(settings);
    this.applySettings(await this.host.call('save_settings', settings));
  }

  async login(server_url: string, username: string, password: string): Promise<void> {
    this.session = await this.host.call('login', { server_url, username, password });
    if (this.signedIn) await this.loadSignedIn();
  }

  async logout(): Promise<void> {
    await this.host.call('logout');
    this.session = await this.host.call('session_state');
    this.offers = [];
    this.openReferral = null;
    this.screen = 'referrals';
  }

  private async signedOut(): Promise<void> {
    this.session = await this.host.call('session_state');
    this.openReferral = null;
    this.screen = 'referrals';
  }

  async loadSignedIn(): Promise<void> {
    // The app was launched by a `hod://referral/<id>` link (an offer e-mail).
    if (this.session?.open_referral != null) {
      this.screen = 'referrals';
      this.openReferral = this.session.open_referral;
    }
    this.missedAlert = this.session?.missed_alert?.count ? this.session.missed_alert : null;
    this.missedAlertDismissed = false;
    await Promise.all([
      this.loadOffset(),
      this.loadConnection(),
      this.loadOffers(),
      this.loadAvailability(),
      this.loadProfile(),
    ]);
  }

  async loadOffset(): Promise<void> {
    this.offsetMs = await this.host.call('server_time_offset');
  }

  async loadConnection(): Promise<void> {
    // An event that arrived while the command was answered is newer than its answer.
    const seen = this.connectionEvents;
    const info = await this.host.call('connection_state');
    if (this.connectionEvents === seen) this.connection = info;
  }

  async loadOffers(): Promise<void> {
    this.offers = await this.host.call('pending_offers');
    this.referralsVersion++;
  }

  async loadAvailability(): Promise<void> {
    this.availability = await this.host.call('get_availability');
  }

  async loadProfile(): Promise<void> {
    this.profile = await this.host.call('get_profile');
  }

  setAvailability(availability: Availability): void {
    this.availability = availability;
  }

  go(screen: Screen): void {
    this.screen = screen;
    this.openReferral = null;
  }
}

const KEY = Symbol('app');

export function provideApp(app: AppState): void {
  setContext(KEY, app);
}

export function useApp(): AppState {
  const app = getContext<AppState | undefined>(KEY);
  if (!app) throw new Error('AppState is not provided');
  return app;
}
