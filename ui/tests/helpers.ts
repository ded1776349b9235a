import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { vi } from 'vitest';
import App from '../src/App.svelte';
import { FakeHost, type FakeOptions } from '../src/lib/host.fake';
import { i18n } from '../src/lib/i18n/index.svelte';

/** Monday 30 November 2026, 10:00 in New York (the demo agent's zone). */
export const MONDAY_10AM = new Date('2026-11-30T15:00:00Z');

/** Fake timers that still move with real time, so Testing Library's waits keep working. */
export function useClock(at: Date = MONDAY_10AM): void {
  vi.useFakeTimers({ shouldAdvanceTime: true, now: at });
}

export async function renderApp(options: FakeOptions = {}, host = new FakeHost(options)) {
  i18n.lang = 'en';
  const user = userEvent.setup(
    vi.isFakeTimers() ? { advanceTimers: vi.advanceTimersByTime.bind(vi) } : {},
  );
  const view = render(App, { props: { host } });
  if (host.session.signed_in) {
    await screen.findByRole('heading', { level: 1, name: /Manage Referrals|Gestionar referidos/ });
  }
  return { host, user, ...view };
}

export function callsOf(host: FakeHost, command: string) {
  return host.calls.filter((c) => c.command === command).map((c) => c.args);
}
