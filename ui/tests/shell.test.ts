import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import App from '../src/App.svelte';
import { FakeHost } from '../src/lib/host.fake';
import { i18n } from '../src/lib/i18n/index.svelte';
import { callsOf, renderApp } from './helpers';

describe('connection state', () => {
  it('shows online, then offline with the queued changes, then syncing', async () => {
    const { host } = await renderApp();
    const badge = screen.getByRole('status', { name: 'Connection' });
    expect(badge).toHaveTextContent('Online');
    expect(screen.queryByTestId('offline-banner')).not.toBeInTheDocument();

    host.setConnection({ state: 'offline', queued: 3 });
    await vi.waitFor(() => expect(badge).toHaveTextContent('Offline — 3 changes waiting to be sent'));
    expect(screen.getByTestId('offline-banner')).toHaveTextContent('You are offline.');

    host.setConnection({ state: 'offline', queued: 1 });
    await vi.waitFor(() => expect(badge).toHaveTextContent('Offline — 1 change waiting to be sent'));

    host.setConnection({ state: 'syncing', queued: 1 });
    await vi.waitFor(() => expect(badge).toHaveTextContent('Syncing…'));
    expect(screen.queryByTestId('offline-banner')).not.toBeInTheDocument();
  });

  it('shows the offline banner on every screen', async () => {
    const host = new FakeHost();
    host.connection = { state: 'offline', queued: 0 };
    const { user } = await renderApp({}, host);
    expect(screen.getByTestId('offline-banner')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    expect(screen.getByTestId('offline-banner')).toBeInTheDocument();
  });

  it('a change the server refused later is shown with its translated reason', async () => {
    const { host } = await renderApp();
    host.emit('outbox_refused', {
      outbox_id: 4,
      action: { action: 'accept', referral_id: 1042 },
      error: { code: 'accept_window_closed', message: 'closed' },
      rollback: 'restored',
      refused_at: '2026-11-30T15:00:00Z',
    });
    const alert = await screen.findByText(/Accept a referral: The 15-minute window/);
    expect(alert).toBeInTheDocument();
  });
});

describe('Settings', () => {
  it('switches every string to Español and back', async () => {
    const host = new FakeHost();
    const { user } = await renderApp({}, host);
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    await user.click(screen.getByLabelText('Español'));
    expect(await screen.findByRole('heading', { level: 1, name: 'Configuración' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /^Gestionar referidos/ })).toBeInTheDocument();
    expect(screen.getByRole('switch', { name: 'Disponibilidad de hoy' })).toBeInTheDocument();
    expect(document.documentElement.lang).toBe('es');
    expect(host.settings.language).toBe('es');

    await user.click(screen.getByRole('button', { name: /^Gestionar referidos/ }));
    expect(await screen.findByTestId('missed-alert')).toHaveTextContent('¡Alerta! Ha perdido 1 referido');
    expect(screen.getByTestId('row-1009')).toHaveTextContent('Referido perdido');

    await user.click(screen.getByRole('button', { name: 'Configuración' }));
    await user.click(screen.getByLabelText('English'));
    expect(await screen.findByRole('heading', { level: 1, name: 'Settings' })).toBeInTheDocument();
  });

  it('starts in the saved language', async () => {
    await renderApp({}, new FakeHost({ language: 'es' }));
    expect(i18n.lang).toBe('es');
    expect(screen.getByRole('heading', { level: 1, name: 'Gestionar referidos' })).toBeInTheDocument();
  });

  it('saves launch at login, sound and theme; the theme follows the OS by default', async () => {
    // The OS asks for dark.
    vi.stubGlobal('matchMedia', (query: string) => ({
      matches: query === '(prefers-color-scheme: dark)',
      media: query,
      addEventListener: () => {},
      removeEventListener: () => {},
    }));
    const host = new FakeHost();
    const { user } = await renderApp({}, host);
    await vi.waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'));
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    await user.click(screen.getByLabelText('Play a sound with new referrals'));
    await user.click(screen.getByLabelText(/Open Help On Demand when I sign in/));
    await user.selectOptions(screen.getByLabelText('Theme'), 'light');
    await vi.waitFor(() => expect(document.documentElement.dataset.theme).toBe('light'));
    await user.selectOptions(screen.getByLabelText('Theme'), 'dark');
    await vi.waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'));
    expect(host.settings).toEqual({ language: 'en', launch_at_login: false, sound: false, theme: 'dark' });
    await user.selectOptions(screen.getByLabelText('Theme'), 'system');
    await vi.waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'));
    vi.unstubAllGlobals();
  });
});

describe('login', () => {
  it('is pre-filled, translates a refusal, and opens Manage Referrals on success', async () => {
    i18n.lang = 'en';
    const host = new FakeHost({ signedIn: false });
    host.session.prefill = { server_url: 'http://127.0.0.1:8080', username: 'dana', password: null };
    render(App, { props: { host } });
    const user = userEvent.setup();
    await screen.findByRole('heading', { name: 'Sign in to Help On Demand' });
    expect(screen.getByLabelText('Server address')).toHaveValue('http://127.0.0.1:8080');
    expect(screen.getByLabelText('Username')).toHaveValue('dana');

    await user.type(screen.getByLabelText('Password'), 'short');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Your session has ended, or the username or password is wrong.',
    );

    await user.clear(screen.getByLabelText('Password'));
    await user.type(screen.getByLabelText('Password'), 'Demo-pass1!');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Manage Referrals' })).toBeInTheDocument();
    expect(callsOf(host, 'login').at(-1)).toEqual({
      server_url: 'http://127.0.0.1:8080',
      username: 'dana',
      password: 'Demo-pass1!',
    });
  });

  it('an offer e-mail\'s hod:// link that launched the app opens its referral after sign-in', async () => {
    i18n.lang = 'en';
    const host = new FakeHost({ signedIn: false, launchedFor: 1031 });
    render(App, { props: { host } });
    const user = userEvent.setup();
    await screen.findByRole('heading', { name: 'Sign in to Help On Demand' });
    await user.type(screen.getByLabelText('Password'), 'Demo-pass1!');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { level: 1, name: /Maria Lopez/ })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /555-0142/ })).toHaveAttribute('href', 'tel:+1-555-0142');
  });

  it('an ended session returns to the login screen', async () => {
    const { host } = await renderApp();
    host.session = { ...host.session, signed_in: false };
    host.emit('signed_out', null);
    expect(await screen.findByRole('heading', { name: 'Sign in to Help On Demand' })).toBeInTheDocument();
  });

  it('signing out returns to the login screen', async () => {
    const { user } = await renderApp();
    await user.click(screen.getByRole('button', { name: 'Settings' }));
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { name: 'Sign in to Help On Demand' })).toBeInTheDocument();
  });
});
