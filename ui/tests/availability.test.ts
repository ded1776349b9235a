import { screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callsOf, renderApp, useClock } from './helpers';
import { FakeHost } from '../src/lib/host.fake';
import type { Schedule } from '../src/lib/types';

afterEach(() => vi.useRealTimers());

async function openAvailability(host = new FakeHost()) {
  const view = await renderApp({}, host);
  await view.user.click(screen.getByRole('button', { name: 'Availability Settings' }));
  await screen.findByRole('heading', { level: 1, name: 'Availability Settings' });
  return view;
}

const lastSaved = (host: FakeHost) =>
  (callsOf(host, 'save_schedule').at(-1) as { schedule: Schedule }).schedule;

describe('Availability Settings', () => {
  it('rule AV-1: starts from Monday to Friday, 8:00 a.m. to 5:00 p.m.', async () => {
    await openAvailability();
    const monday = screen.getByTestId('day-monday');
    expect(within(monday).getByRole('switch', { name: 'Take referrals on Monday' })).toBeChecked();
    expect(within(monday).getByLabelText(/Monday: From/)).toHaveValue('08:00');
    expect(within(monday).getByLabelText(/Monday: To/)).toHaveValue('17:00');
    expect(screen.getByRole('switch', { name: 'Take referrals on Saturday' })).not.toBeChecked();
  });

  it('rule AV-2: shows the detected time zone and keeps it changeable', async () => {
    const { user } = await openAvailability();
    expect(screen.getByText(/Detected on this computer:/)).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Time zone'), 'America/Chicago');
    expect(screen.getByLabelText('Time zone')).toHaveValue('America/Chicago');
  });

  it('rule AV-3, AV-4, AV-5: toggles a day, adds breaks, and saves only on Save', async () => {
    const { host, user } = await openAvailability();
    const save = screen.getByRole('button', { name: 'Save' });
    expect(save).toBeDisabled();

    await user.click(screen.getByRole('switch', { name: 'Take referrals on Saturday' }));
    const monday = screen.getByTestId('day-monday');
    await user.click(within(monday).getByRole('button', { name: /Add a Break/ }));
    await user.click(within(monday).getByRole('button', { name: /Add a Break/ }));
    const starts = within(monday).getAllByLabelText(/Break \d starts/);
    const ends = within(monday).getAllByLabelText(/Break \d ends/);
    expect(starts).toHaveLength(2);
    await user.clear(starts[1]);
    await user.type(starts[1], '15:00');
    await user.clear(ends[1]);
    await user.type(ends[1], '15:15');

    expect(screen.getByText('You have unsaved changes.')).toBeInTheDocument();
    expect(callsOf(host, 'save_schedule')).toHaveLength(0);
    await user.click(save);
    await vi.waitFor(() => expect(callsOf(host, 'save_schedule')).toHaveLength(1));
    const saved = lastSaved(host);
    expect(saved.weekly.saturday.enabled).toBe(true);
    expect(saved.weekly.monday.breaks).toEqual([
      { start: '12:00', end: '13:00' },
      { start: '15:00', end: '15:15' },
    ]);
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
  });

  it('rule AV-1: "apply to all days" copies hours and breaks, keeping each toggle', async () => {
    const { host, user } = await openAvailability();
    const monday = screen.getByTestId('day-monday');
    await user.click(within(monday).getByRole('button', { name: /Add a Break/ }));
    const to = within(monday).getByLabelText(/Monday: To/);
    await user.clear(to);
    await user.type(to, '18:30');
    await user.click(screen.getByRole('button', { name: 'Apply Monday hours and breaks to all days' }));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(callsOf(host, 'save_schedule')).toHaveLength(1));
    const { weekly } = lastSaved(host);
    expect(weekly.thursday).toEqual({
      enabled: true,
      start: '08:00',
      end: '18:30',
      breaks: [{ start: '12:00', end: '13:00' }],
    });
    expect(weekly.sunday.enabled).toBe(false);
    expect(weekly.sunday.end).toBe('18:30');
  });

  it('rule AV-4: a break outside the hours is refused before saving', async () => {
    const { host, user } = await openAvailability();
    const monday = screen.getByTestId('day-monday');
    await user.click(within(monday).getByRole('button', { name: /Add a Break/ }));
    const start = within(monday).getByLabelText(/Break 1 starts/);
    const end = within(monday).getByLabelText(/Break 1 ends/);
    await user.clear(start);
    await user.type(start, '18:00');
    await user.clear(end);
    await user.type(end, '18:30');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await within(monday).findByText('The break must be inside the hours.')).toBeInTheDocument();
    expect(screen.getByText('Fix the highlighted fields, then save.')).toBeInTheDocument();
    expect(callsOf(host, 'save_schedule')).toHaveLength(0);
  });

  it('rule AV-1: server validation errors land on their field', async () => {
    const host = new FakeHost();
    const { user } = await openAvailability(host);
    host.failNext('save_schedule', {
      code: 'validation',
      message: 'bad',
      errors: [{ field: 'weekly.friday.end', rule: 'AV-1', code: 'end_not_after_start', message: 'x' }],
    });
    await user.click(screen.getByRole('switch', { name: 'Take referrals on Sunday' }));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    const friday = screen.getByTestId('day-friday');
    expect(await within(friday).findByText('The end must be after the start. (AV-1)')).toBeInTheDocument();
  });

  it('shows a live week preview of the unsaved hours', async () => {
    useClock();
    const { host, user } = await openAvailability();
    const preview = screen.getByTestId('week-preview');
    await vi.waitFor(() => expect(preview).toHaveTextContent(/Mon, Nov 30: 8:00\s?AM–5:00\s?PM/));
    expect(preview).toHaveTextContent(/Sat, Dec 5: no referrals/);

    await user.click(screen.getByRole('switch', { name: 'Take referrals on Saturday' }));
    await vi.waitFor(() => expect(preview).toHaveTextContent(/Sat, Dec 5: 8:00\s?AM–5:00\s?PM/));
    const last = callsOf(host, 'week_preview').at(-1) as { schedule: Schedule };
    expect(last.schedule.weekly.saturday.enabled).toBe(true);
  });
});
