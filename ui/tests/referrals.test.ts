import { screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callsOf, renderApp, useClock } from './helpers';
import { FakeHost, referral } from '../src/lib/host.fake';

afterEach(() => vi.useRealTimers());

describe('Manage Referrals', () => {
  it('rule MR-1: the countdown runs to the server deadline, on the server clock', async () => {
    useClock();
    // The server's clock is 40 s ahead of this computer's.
    const host = new FakeHost({ demo: false, offsetMs: 40_000 });
    const serverNow = host.serverNow();
    host.referrals.set(
      7,
      referral({
      id: 7,
      status: 'pending',
      state: 'TX',
      city: 'Houston',
      zip: '77002',
      language: 'es',
      assigned_at: new Date(serverNow).toISOString(),
      offer: {
        offered_at: new Date(serverNow).toISOString(),
        deadline: new Date(serverNow + 10 * 60_000).toISOString(),
      },
      updated_at: new Date(serverNow).toISOString(),
      }),
    );
    await renderApp({}, host);
    const countdown = await screen.findByTestId('countdown-7');
    expect(countdown).toHaveTextContent('10:00');
    expect(countdown).toHaveAttribute('role', 'timer');

    await vi.advanceTimersByTimeAsync(61_000);
    expect(countdown).toHaveTextContent('8:59');

    await vi.advanceTimersByTimeAsync(9 * 60_000);
    expect(screen.getByText('The accept window has closed.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Accept' })).not.toBeInTheDocument();
  });

  it('rule MR-1: a new offer event brings the offer to the top', async () => {
    const { host } = await renderApp({ demo: false });
    expect(screen.getByText('No referral is waiting for you.')).toBeInTheDocument();
    const now = host.serverNow();
    host.offer(
      referral({
      id: 55,
      status: 'pending',
      state: 'OH',
      city: 'Dayton',
      zip: '45402',
      language: 'en',
      assigned_at: new Date(now).toISOString(),
      offer: { offered_at: new Date(now).toISOString(), deadline: new Date(now + 15 * 60_000).toISOString() },
      updated_at: new Date(now).toISOString(),
      }),
    );
    expect(await screen.findByTestId('offer-55')).toHaveTextContent('Dayton, OH 45402');
  });

  it('accepting opens the referral with its contact details', async () => {
    const { user } = await renderApp();
    const offer = await screen.findByTestId('offer-1042');
    await user.click(within(offer).getByRole('button', { name: 'Accept' }));
    const call = await screen.findByRole('link', { name: /Call/ });
    expect(call.getAttribute('href')).toMatch(/^tel:/);
    expect(screen.getByRole('link', { name: /E-mail/ }).getAttribute('href')).toMatch(/^mailto:/);
  });

  it('rule CE-3: rejecting asks for an optional reason and says there is no penalty', async () => {
    const { host, user } = await renderApp();
    const offer = await screen.findByTestId('offer-1042');
    await user.click(within(offer).getByRole('button', { name: 'Reject' }));
    const dialog = await screen.findByRole('dialog', { name: 'Reject this referral?' });
    expect(dialog).toHaveTextContent('Rejecting carries no penalty.');
    await user.type(within(dialog).getByLabelText('Reason (optional)'), 'Driving');
    await user.click(within(dialog).getByRole('button', { name: 'Reject referral' }));
    await vi.waitFor(() => expect(callsOf(host, 'reject_offer')).toEqual([{ id: 1042, reason: 'Driving' }]));
    await vi.waitFor(() => expect(screen.queryByTestId('offer-1042')).not.toBeInTheDocument());
  });

  it('rule MR-1: a late accept shows the translated error', async () => {
    const { host, user } = await renderApp();
    host.failNext('accept_offer', { code: 'accept_window_closed', message: 'closed' });
    const offer = await screen.findByTestId('offer-1042');
    await user.click(within(offer).getByRole('button', { name: 'Accept' }));
    expect(await within(offer).findByRole('alert')).toHaveTextContent(
      'The 15-minute window to accept this referral has closed.',
    );
  });

  it('rule MR-4: a missed row reads Missed Referral and shows no contact details', async () => {
    const host = new FakeHost();
    // Even if contact details reached the UI for a missed referral, they stay hidden.
    const missed = host.referrals.get(1009)!;
    missed.contact = { name: 'Should Not Show', phone: '+1-555-0199', email: 'x@example.org', notes: null };
    const { user } = await renderApp({}, host);
    const row = await screen.findByTestId('row-1009');
    expect(row).toHaveTextContent('Missed Referral');
    expect(row).toHaveTextContent('Missed');
    expect(row).not.toHaveTextContent('Should Not Show');
    expect(row).not.toHaveTextContent('555-0199');
    expect(within(row).queryByRole('link')).not.toBeInTheDocument();

    // Its detail has no contact details either.
    await user.click(within(row).getByRole('button', { name: 'Missed Referral' }));
    expect(await screen.findByTestId('missed-no-contact')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Call/ })).not.toBeInTheDocument();
  });

  it('rule MR-4: the Referral Assigned column shows the date and time', async () => {
    await renderApp();
    expect(screen.getByRole('columnheader', { name: /Referral Assigned/ })).toBeInTheDocument();
    const row = await screen.findByTestId('row-1009');
    expect(row.querySelectorAll('td')[1].textContent).toMatch(/\d{1,2}:\d{2}/);
  });

  it('rule MR-3: the alert shows with the count when N > 0', async () => {
    await renderApp();
    const alert = await screen.findByTestId('missed-alert');
    expect(alert).toHaveTextContent('Alert! You have missed 1 referral in the last 7 days.');
    expect(alert).toHaveAttribute('role', 'alert');
  });

  it('rule MR-3: no alert when nothing was missed', async () => {
    const host = new FakeHost();
    host.session.missed_alert = { count: 0, message: '' };
    await renderApp({}, host);
    expect(screen.queryByTestId('missed-alert')).not.toBeInTheDocument();
    host.emit('missed_alert_changed', { count: 3, message: '' });
    expect(await screen.findByTestId('missed-alert')).toHaveTextContent('missed 3 referrals');
  });

  it('filters, searches and sorts through the query', async () => {
    const { host, user } = await renderApp();
    await screen.findByTestId('row-998');

    await user.selectOptions(screen.getByLabelText('Status'), 'Missed referrals');
    await vi.waitFor(() => expect(screen.queryByTestId('row-998')).not.toBeInTheDocument());
    expect(screen.getByTestId('row-1009')).toBeInTheDocument();
    expect(callsOf(host, 'list_referrals').at(-1)).toMatchObject({ query: { missed_only: true } });

    await user.selectOptions(screen.getByLabelText('Status'), 'All statuses');
    await user.type(screen.getByRole('searchbox'), 'madison');
    await vi.waitFor(() => expect(screen.queryByTestId('row-1009')).not.toBeInTheDocument());
    expect(screen.getByTestId('row-998')).toBeInTheDocument();
    expect(callsOf(host, 'list_referrals').at(-1)).toMatchObject({ query: { text: 'madison' } });

    await user.clear(screen.getByRole('searchbox'));
    await user.click(screen.getByRole('button', { name: 'Sort by State' }));
    await vi.waitFor(() =>
      expect(screen.getByRole('columnheader', { name: /State/ })).toHaveAttribute('aria-sort', 'ascending'),
    );
    expect(callsOf(host, 'list_referrals').at(-1)).toMatchObject({
      query: { sort: 'state', direction: 'ascending' },
    });
  });

  it('a notification click opens the referral it names', async () => {
    const { host } = await renderApp();
    host.emit('open_referral', { referral_id: 1031 });
    expect(await screen.findByRole('heading', { level: 1, name: /Maria Lopez/ })).toBeInTheDocument();
  });
});
