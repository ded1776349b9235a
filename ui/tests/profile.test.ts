import { screen, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { callsOf, renderApp } from './helpers';
import { FakeHost } from '../src/lib/host.fake';

async function openProfile(host = new FakeHost()) {
  const view = await renderApp({}, host);
  await view.user.click(screen.getByRole('button', { name: 'Profile' }));
  await screen.findByRole('heading', { level: 1, name: 'Profile' });
  return view;
}

describe('Profile', () => {
  it('rule CP-3: the MLMS e-mail is read-only, with where to change it', async () => {
    await openProfile();
    const email = screen.getByLabelText('E-mail (from MLMS)');
    expect(email).toHaveValue('dana.rivera@example.org');
    expect(email).toHaveAttribute('readonly');
    expect(email).toHaveAccessibleDescription(/CMS Enterprise Portal at https:\/\/portal.cms.gov/);
  });

  it('rule CP-1: Preferred Contact Method has exactly the four options', async () => {
    await openProfile();
    const select = screen.getByLabelText('Preferred Contact Method');
    const options = within(select).getAllByRole('option').map((o) => o.getAttribute('value'));
    expect(options).toEqual(['email_text_app', 'email_text', 'email_app', 'email_only']);
    expect(within(select).getByRole('option', { name: /Email, Text & App Notification \(recommended\)/ }))
      .toBeInTheDocument();
  });

  it('rule CP-2: choosing Email Only warns that referrals may be lost', async () => {
    const { user } = await openProfile();
    expect(screen.queryByTestId('email-only-warning')).not.toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Preferred Contact Method'), 'email_only');
    const warning = screen.getByTestId('email-only-warning');
    expect(warning).toHaveTextContent('notifications may be delayed and referrals may be lost');
    await user.selectOptions(screen.getByLabelText('Preferred Contact Method'), 'email_text');
    expect(screen.queryByTestId('email-only-warning')).not.toBeInTheDocument();
  });

  it('rule ST-2: every eligible state has a bubble, all selected (blue) before any save', async () => {
    await openProfile();
    for (const code of ['FL', 'NC', 'OH', 'TX', 'WI']) {
      const bubble = screen.getByTestId(`bubble-${code}`);
      expect(bubble).toHaveAttribute('aria-pressed', 'true');
      expect(bubble).toHaveClass('on');
    }
    // Licensed but not eligible (expired, or not a HealthCare.gov state): no bubble.
    expect(screen.queryByTestId('bubble-TN')).not.toBeInTheDocument();
    expect(screen.queryByTestId('bubble-GA')).not.toBeInTheDocument();
  });

  it('rule ST-3: deselected states turn white and Save sends only the selected ones', async () => {
    const host = new FakeHost();
    const { user } = await openProfile(host);
    await user.click(screen.getByTestId('bubble-FL'));
    await user.click(screen.getByTestId('bubble-WI'));
    expect(screen.getByTestId('bubble-FL')).toHaveAttribute('aria-pressed', 'false');
    expect(screen.getByTestId('bubble-FL')).not.toHaveClass('on');
    expect(screen.getByRole('button', { name: 'FL, not selected' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() =>
      expect(callsOf(host, 'save_preferences')).toEqual([
        { preferred_contact_method: 'email_text_app', state_preferences: ['NC', 'OH', 'TX'], languages: ['en', 'es'] },
      ]),
    );
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
    expect(host.profile.state_preferences).toEqual({ selected: ['NC', 'OH', 'TX'] });
  });

  it('rule ST-3: a saved selection shows its states selected and the others white', async () => {
    const host = new FakeHost();
    host.profile.state_preferences = { selected: ['TX'] };
    await openProfile(host);
    expect(screen.getByTestId('bubble-TX')).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByTestId('bubble-OH')).toHaveAttribute('aria-pressed', 'false');
  });

  it('rule ST-1: licenses are listed read-only', async () => {
    await openProfile();
    const table = screen.getByRole('table');
    expect(within(table).getByText('Accident and Health or Sickness')).toBeInTheDocument();
    expect(within(table).getByText('Expired')).toBeInTheDocument();
    expect(within(table).queryByRole('textbox')).not.toBeInTheDocument();
  });
});
