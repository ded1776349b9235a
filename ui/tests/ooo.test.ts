import { screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callsOf, renderApp, useClock } from './helpers';
import { FakeHost } from '../src/lib/host.fake';

afterEach(() => vi.useRealTimers());

describe('Out of Office', () => {
  it('rule AV-7: No End Date, Apply, then Yes; shown everywhere until switched off', async () => {
    useClock();
    const host = new FakeHost();
    const { user } = await renderApp({}, host);
    const opener = screen.getByRole('button', { name: 'Out of Office…' });
    await user.click(opener);
    const dialog = await screen.findByRole('dialog', { name: 'Out of Office' });
    const from = within(dialog).getByLabelText('From Date/Time');
    expect(from).toHaveFocus();
    expect(from).toHaveValue('2026-11-30T10:00');

    await user.click(within(dialog).getByLabelText('No End Date'));
    expect(within(dialog).getByLabelText('To Date/Time')).toBeDisabled();
    await user.click(within(dialog).getByRole('button', { name: 'Apply' }));

    // Nothing is saved before the confirmation.
    const confirm = await screen.findByRole('alertdialog', { name: 'Save Out of Office?' });
    expect(confirm).toHaveTextContent('until you switch Out of Office off');
    expect(callsOf(host, 'set_out_of_office')).toHaveLength(0);
    await user.click(within(confirm).getByRole('button', { name: 'Yes' }));

    await vi.waitFor(() =>
      expect(callsOf(host, 'set_out_of_office')).toEqual([{ from: '2026-11-30T15:00:00.000Z', to: null }]),
    );
    expect(await screen.findByTestId('ooo-banner')).toHaveTextContent('with no end date');
    expect(screen.getByTestId('ooo-badge')).toHaveTextContent('Out of Office — no end date');
    expect(opener).toHaveFocus();
    const toggle = screen.getByRole('switch', { name: "Today's Availability" });
    expect(toggle).toHaveAttribute('aria-checked', 'false');

    // Still shown on another screen.
    await user.click(screen.getByRole('button', { name: 'Profile' }));
    expect(screen.getByTestId('ooo-banner')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Switch Out of Office off' }));
    await vi.waitFor(() => expect(screen.queryByTestId('ooo-banner')).not.toBeInTheDocument());
    expect(screen.queryByTestId('ooo-badge')).not.toBeInTheDocument();
  });

  it('rule AV-7: a dated period needs a To after the From', async () => {
    useClock();
    const host = new FakeHost();
    const { user } = await renderApp({}, host);
    await user.click(screen.getByRole('button', { name: 'Out of Office…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Out of Office' });
    await user.click(within(dialog).getByRole('button', { name: 'Apply' }));
    expect(within(dialog).getByRole('alert')).toHaveTextContent('Choose a To Date/Time, or check No End Date.');

    const to = within(dialog).getByLabelText('To Date/Time');
    await user.type(to, '2026-12-04T17:00');
    await user.click(within(dialog).getByRole('button', { name: 'Apply' }));
    const confirm = await screen.findByRole('alertdialog');
    expect(within(confirm).getByRole('button', { name: 'Yes' })).toHaveFocus();
    await user.click(within(confirm).getByRole('button', { name: 'Yes' }));
    await vi.waitFor(() =>
      expect(callsOf(host, 'set_out_of_office')).toEqual([
        { from: '2026-11-30T15:00:00.000Z', to: '2026-12-04T22:00:00.000Z' },
      ]),
    );
    expect(await screen.findByTestId('ooo-banner')).toHaveTextContent(/Out of Office from .* to Dec 4, 2026/);
  });

  it('rule AV-7: what the agent typed survives the clock ticking', async () => {
    useClock();
    const { user } = await renderApp();
    await user.click(screen.getByRole('button', { name: 'Out of Office…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Out of Office' });
    const to = within(dialog).getByLabelText('To Date/Time');
    await user.type(to, '2026-12-04T17:00');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(to).toHaveValue('2026-12-04T17:00');
    expect(within(dialog).getByLabelText('From Date/Time')).toHaveValue('2026-11-30T10:00');
  });

  it('rule AV-7: Escape closes the dialog without saving', async () => {
    const host = new FakeHost();
    const { user } = await renderApp({}, host);
    await user.click(screen.getByRole('button', { name: 'Out of Office…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Out of Office' });
    (dialog as HTMLDialogElement).close(); // what the browser does on Escape
    await vi.waitFor(() => expect(screen.queryByRole('dialog', { name: 'Out of Office' })).not.toBeInTheDocument());
    expect(callsOf(host, 'set_out_of_office')).toHaveLength(0);
  });

  it('the tray can open the dialog', async () => {
    const { host } = await renderApp();
    host.emit('navigate', { screen: 'availability', dialog: 'out_of_office' });
    expect(await screen.findByRole('dialog', { name: 'Out of Office' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1, name: 'Availability Settings' })).toBeInTheDocument();
  });
});
