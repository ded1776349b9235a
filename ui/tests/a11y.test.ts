import { screen } from '@testing-library/svelte';
import axe from 'axe-core';
import { describe, expect, it } from 'vitest';
import { FakeHost } from '../src/lib/host.fake';
import { i18n } from '../src/lib/i18n/index.svelte';
import { renderApp } from './helpers';

// axe-core on every screen, in both languages. jsdom has no layout, so colour contrast is
// left to the theme tokens (app.css) and the end-to-end run in the real web view.
async function violations(): Promise<string[]> {
  const result = await axe.run(document.body, {
    rules: { 'color-contrast': { enabled: false }, region: { enabled: false } },
  });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe.each(['en', 'es'] as const)('accessibility (%s)', (language) => {
  it('every screen has no axe violations', { timeout: 60_000 }, async () => {
    const host = new FakeHost({ language });
    const { user } = await renderApp({}, host);
    i18n.lang = language;
    expect(await violations(), 'Manage Referrals').toEqual([]);

    host.emit('open_referral', { referral_id: 1017 });
    await screen.findAllByRole('table');
    expect(await violations(), 'Referral detail').toEqual([]);

    for (const [name, heading] of [
      [/Availability Settings|Ajustes de disponibilidad/, /Availability Settings|Ajustes de disponibilidad/],
      [/^(Profile|Perfil)$/, /^(Profile|Perfil)$/],
      [/^(Settings|Configuración)$/, /^(Settings|Configuración)$/],
    ] as const) {
      await user.click(screen.getByRole('button', { name }));
      await screen.findByRole('heading', { level: 1, name: heading });
      expect(await violations(), String(heading)).toEqual([]);
    }

    await user.click(screen.getByRole('button', { name: /Out of Office…|Fuera de la oficina…/ }));
    await screen.findByRole('dialog');
    expect(await violations(), 'Out of Office dialog').toEqual([]);
  });
});

it('the login screen has no axe violations', async () => {
  await renderApp({ signedIn: false });
  await screen.findByRole('heading', { name: 'Sign in to Help On Demand' });
  expect(await violations()).toEqual([]);
});
