import { screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callsOf, renderApp, useClock } from './helpers';
import { FakeHost } from '../src/lib/host.fake';
import { suggestion } from '../src/lib/contact';

afterEach(() => vi.useRealTimers());

async function open(host: FakeHost, id: number) {
  const view = await renderApp({}, host);
  host.emit('open_referral', { referral_id: id });
  await screen.findByRole('heading', { level: 2, name: 'Contact details' });
  return view;
}

describe('Referral detail', () => {
  it('offers click-to-call and mailto links for an accepted referral', async () => {
    await open(new FakeHost(), 1031);
    expect(screen.getByRole('link', { name: 'Call +1-555-0142' })).toHaveAttribute('href', 'tel:+1-555-0142');
    expect(screen.getByRole('link', { name: 'E-mail maria.lopez@example.org' })).toHaveAttribute(
      'href',
      'mailto:maria.lopez@example.org',
    );
  });

  it('rule CE-1: counts down 15 minutes after the accept, then rule CE-2 to 30', async () => {
    useClock();
    const host = new FakeHost();
    // 1031 was accepted 9 minutes ago with no attempt logged.
    await open(host, 1031);
    expect(screen.getByTestId('ce-timer')).toHaveTextContent('within 15 minutes: 6:00 left');
    await vi.advanceTimersByTimeAsync(7 * 60_000);
    expect(screen.getByTestId('ce-timer')).toHaveTextContent('never wait more than 30 minutes. 14:00 left');
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    expect(screen.getByTestId('ce-timer')).toHaveTextContent('More than 30 minutes have passed');
  });

  it('logs a contact attempt with channel, outcome and time', async () => {
    const host = new FakeHost();
    const { user } = await open(host, 1031);
    await user.selectOptions(screen.getByLabelText('Channel'), 'Text message');
    await user.selectOptions(screen.getByLabelText('Result'), 'Left a message');
    await user.click(screen.getByRole('button', { name: 'Log attempt' }));
    await vi.waitFor(() =>
      expect(callsOf(host, 'log_contact_attempt')).toEqual([
        { id: 1031, channel: 'text', outcome: 'left_message', at: null },
      ]),
    );
    const log = await screen.findByRole('table');
    expect(within(log).getByText('Text message')).toBeInTheDocument();
    expect(screen.getByTestId('ce-timer')).toHaveTextContent('First contact');
    // RS-4: a left message suggests In Progress.
    expect(screen.getByTestId('suggestion')).toHaveTextContent('Set the status to In Progress');
  });

  it('rule CE-4: suggests Not a Good Referral after three failed attempts', async () => {
    const host = new FakeHost();
    const r = host.referrals.get(1031)!;
    const at = r.accepted_at!;
    r.contact_attempts = [
      { channel: 'phone', at, outcome: 'no_answer' },
      { channel: 'text', at, outcome: 'no_answer' },
      { channel: 'email', at, outcome: 'no_answer' },
    ];
    const { user } = await open(host, 1031);
    const hint = screen.getByTestId('suggestion');
    expect(hint).toHaveTextContent('Three attempts without reaching the consumer');
    await user.click(within(hint).getByRole('button', { name: 'Set Not a Good Referral' }));
    const dialog = await screen.findByRole('dialog', { name: 'Not a Good Referral' });
    expect(within(dialog).getByLabelText('Why is it not a good referral?')).toHaveValue(
      'no_response_after_three_attempts',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Save status' }));
    await vi.waitFor(() =>
      expect(callsOf(host, 'set_referral_status')).toEqual([
        {
          id: 1031,
          status: 'not_a_good_referral',
          completion_outcome: null,
          not_a_good_referral_reason: 'no_response_after_three_attempts',
        },
      ]),
    );
    expect(await screen.findByRole('heading', { level: 1 })).toHaveTextContent('Not a Good Referral');
  });

  it('rule CE-4: the suggestion follows the domain (reached, wrong details)', () => {
    const at = '2026-11-30T15:00:00Z';
    expect(suggestion([])).toBeNull();
    expect(
      suggestion([
        { channel: 'phone', at, outcome: 'no_answer' },
        { channel: 'phone', at, outcome: 'reached' },
        { channel: 'phone', at, outcome: 'no_answer' },
        { channel: 'phone', at, outcome: 'no_answer' },
      ]),
    ).toBeNull();
    expect(
      suggestion([
        { channel: 'phone', at, outcome: 'wrong_number' },
        { channel: 'email', at, outcome: 'undeliverable' },
        { channel: 'text', at, outcome: 'wrong_number' },
      ])?.reason,
    ).toBe('wrong_contact_details');
  });

  it('rule RS-6: completing asks for QHP enrollment or a Medicaid/CHIP referral', async () => {
    const host = new FakeHost();
    const { user } = await open(host, 1017);
    await user.click(screen.getByRole('button', { name: 'Set to Referral Completed' }));
    const dialog = await screen.findByRole('dialog', { name: 'Referral Completed' });
    const save = within(dialog).getByRole('button', { name: 'Save status' });
    expect(save).toBeDisabled();
    await user.click(within(dialog).getByLabelText('Referred to the state Medicaid/CHIP agency'));
    await user.click(save);
    await vi.waitFor(() =>
      expect(callsOf(host, 'set_referral_status')).toEqual([
        {
          id: 1017,
          status: 'completed',
          completion_outcome: 'referred_to_medicaid_chip',
          not_a_good_referral_reason: null,
        },
      ]),
    );
    expect(await screen.findByText('This referral is closed.')).toBeInTheDocument();
  });

  it('rule RS-7: offers only the moves the lifecycle allows', async () => {
    await open(new FakeHost(), 1017); // In Progress
    expect(screen.getByRole('button', { name: 'Set to Not a Good Referral' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Set to Referral Completed' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Set to In Progress' })).not.toBeInTheDocument();
  });
});
