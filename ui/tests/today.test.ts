import { screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callsOf, renderApp, useClock } from './helpers';
import { FakeHost } from '../src/lib/host.fake';

afterEach(() => vi.useRealTimers());

describe("Today's Availability", () => {
  it('rule AV-6: the switch is On (green) within the standard hours, with the Stop Referrals time in red', async () => {
    useClock(); // Monday 10:00 in New York
    const { user } = await renderApp();
    const toggle = screen.getByRole('switch', { name: "Today's Availability" });
    expect(toggle).toHaveAttribute('aria-checked', 'true');
    expect(toggle).toHaveClass('on');
    expect(screen.getByText(/Available until 5:00\s?PM/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: "Today's Availability details" }));
    const stop = await screen.findByTestId('stop-referrals');
    expect(stop).toHaveTextContent(/Stop Referrals: 5:00\s?PM/);
    expect(stop).toHaveClass('stop');
  });

  it('rule AV-6: switching On after hours opens the pop-up, and the Stop Referrals time can be changed', async () => {
    useClock(new Date('2026-11-30T23:30:00Z')); // Monday 18:30 in New York, after hours
    const host = new FakeHost();
    const { user } = await renderApp({}, host);
    const toggle = screen.getByRole('switch', { name: "Today's Availability" });
    expect(toggle).toHaveAttribute('aria-checked', 'false');

    await user.click(toggle);
    await vi.waitFor(() => expect(toggle).toHaveAttribute('aria-checked', 'true'));
    expect(callsOf(host, 'set_today')).toEqual([{ on: true }]);
    const panel = await screen.findByRole('region', { name: "Today's Availability" });
    expect(within(panel).getByTestId('stop-referrals')).toHaveTextContent(/12:00\s?AM/);

    const input = within(panel).getByLabelText('Change the Stop Referrals time');
    await user.clear(input);
    await user.type(input, '20:00');
    await user.click(within(panel).getByRole('button', { name: 'Set' }));
    await vi.waitFor(() =>
      expect(callsOf(host, 'set_today').at(-1)).toEqual({ on: true, stop_at: '2026-12-01T01:00:00.000Z' }),
    );
    expect(within(panel).getByTestId('stop-referrals')).toHaveTextContent(/8:00\s?PM/);
  });

  it('rule AV-6: switching Off stops referrals for today', async () => {
    useClock();
    const host = new FakeHost();
    const { user } = await renderApp({}, host);
    const toggle = screen.getByRole('switch', { name: "Today's Availability" });
    await user.click(toggle);
    await vi.waitFor(() => expect(toggle).toHaveAttribute('aria-checked', 'false'));
    expect(callsOf(host, 'set_today')).toEqual([{ on: false }]);
  });
});
