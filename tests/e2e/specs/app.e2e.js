// The agent's day, end to end: the real app (tauri-driver + WebKitWebDriver) against a real
// hod-server with a short accept window, notifications seen on D-Bus, the tray menu clicked
// over com.canonical.dbusmenu. The cases run in order and build on each other (one app
// session, one agent: ana, the only demo agent taking referrals here).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as server from '../lib/server.js';
import { clickTrayItem, invokeAction, notifications, trayItems, trayMenu } from '../lib/dbus.js';
import { allByRole, byRole, checkScreen, click, noneByRole, pageText, waitForText } from '../lib/ui.js';

const LONG = 60_000;
let token;
/** The offers of this run, by case. */
const offers = {};
/** The Notify call of the first offer. */
let offerNotification = null;

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const offerCard = (id, options = {}) => byRole('article', new RegExp(`#${id}$`), options);
const mmss = (text) => {
  const m = text.trim().match(/^(\d+):(\d\d)$/);
  assert.ok(m, `a countdown like 0:27, not ${JSON.stringify(text)}`);
  return Number(m[1]) * 60 + Number(m[2]);
};

async function eventually(check, { timeout = 30_000, message = 'never became true' } = {}) {
  let last;
  try {
    await browser.waitUntil(
      async () => {
        try {
          last = await check();
          return Boolean(last);
        } catch (e) {
          last = e;
          return false;
        }
      },
      { timeout, interval: 250, timeoutMsg: message },
    );
  } catch {
    throw new Error(`${message} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
  }
  return last;
}

async function goTo(label) {
  await click('button', new RegExp(`^${escapeRe(label)}(\\s*\\d+)?$`), {
    within: await byRole('navigation', null),
  });
}

async function toReferralList() {
  await goTo('Manage Referrals');
  await byRole('heading', 'Manage Referrals');
}

async function connectionText() {
  const badge = await byRole('status', /^(Connection|Conexión)$/);
  return (await badge.getText()).trim();
}

async function todaySwitch() {
  return byRole('switch', "Today's Availability");
}

describe('Help On Demand desktop app', () => {
  before(async () => {
    await server.onlyAnaTakesReferrals();
    token = await server.login();
  });

  it('signs in with the pre-filled login', async () => {
    await byRole('heading', 'Sign in to Help On Demand', { timeout: LONG });
    const address = await byRole('textbox', 'Server address');
    assert.equal(await address.getValue(), server.serverUrl());
    assert.equal(await (await byRole('textbox', 'Username')).getValue(), 'ana');
    await checkScreen('login', 'en');
    await click('button', 'Sign in');
    await byRole('heading', 'Manage Referrals', { timeout: LONG });
    await eventually(async () => (await connectionText()) === 'Online', {
      message: 'the connection never read Online',
    });
    await byRole('region', 'Pending referrals');
    await checkScreen('manage-referrals', 'en');
  });

  it('MR-1: an offer arrives with a live countdown, and its notification with Accept and Reject is on D-Bus', async () => {
    const seen = notifications().length;
    const offer = await server.intake({ consumer_name: 'Rosa Notificacion' });
    offers.notification = offer;
    const pending = await byRole('region', 'Pending referrals');
    const card = await offerCard(offer.id, { within: pending, timeout: LONG });
    const timer = await byRole('timer', 'Time left to answer', { within: card });
    const first = mmss(await timer.getText());
    // The server's deadline, on the server's clock estimate: a second or two of rounding.
    assert.ok(first > 0 && first <= server.acceptWindowMs() / 1000 + 2, `countdown ${first} s`);
    await eventually(async () => mmss(await timer.getText()) < first, {
      timeout: 5_000,
      message: 'the countdown did not move',
    });
    await byRole('button', 'Accept', { within: card });
    await byRole('button', 'Reject', { within: card });

    offerNotification = await eventually(
      () =>
        notifications()
          .slice(seen)
          .find((n) => n.summary?.includes('New referral') && n.summary.includes('TX') && n.id !== null),
      { timeout: 20_000, message: 'no Notify with "New referral" on D-Bus' },
    );
    const actions = Object.fromEntries(offerNotification.actions);
    assert.equal(actions.accept, 'Accept', JSON.stringify(offerNotification.actions));
    assert.equal(actions.reject, 'Reject', JSON.stringify(offerNotification.actions));
    assert.match(offerNotification.body, /Accept within \d+ minutes?\./);
  });

  it("accepts the offer from the notification's Accept button (ActionInvoked) and shows the consumer's contact", async () => {
    assert.ok(offerNotification, 'needs the notification of the previous case');
    const offer = offers.notification;
    invokeAction(offerNotification.id, 'accept');
    await noneByRole('article', new RegExp(`#${offer.id}$`), { timeout: 30_000 });
    const row = await byRole('button', offer.consumer_name, { timeout: 30_000 });
    await byRole('link', offer.phone);
    await eventually(async () => (await server.referral(token, offer.id)).status === 'accepted', {
      message: 'the server never saw the accept',
    });
    await row.click();
    await byRole('heading', new RegExp(`^${offer.consumer_name}`));
    await byRole('link', `Call ${offer.phone}`);
    await byRole('link', `E-mail ${offer.email}`);
    await checkScreen('referral-detail', 'en');
  });

  it('accepts an offer in the window and opens it with the contact details', async () => {
    await toReferralList();
    const offer = await server.intake({ consumer_name: 'Luis Ventana', preferred_language: 'en' });
    offers.accepted = offer;
    const card = await offerCard(offer.id, { timeout: LONG });
    await checkScreen('manage-referrals-offer', 'en');
    await click('button', 'Accept', { within: card });
    await byRole('heading', new RegExp(`^${offer.consumer_name}`), { timeout: 30_000 });
    await byRole('link', `Call ${offer.phone}`);
    await eventually(async () => (await server.referral(token, offer.id)).status === 'accepted', {
      message: 'the server never saw the accept',
    });
  });

  it("an offer e-mail's hod://referral link opens the running app on that referral", async () => {
    const offer = offers.notification;
    assert.ok(offer, 'needs the referral accepted from the notification');
    await toReferralList();
    // What the desktop does for a clicked link: start the app with it. The running instance
    // gets the link through the single-instance plugin, and the new process ends.
    const second = spawnSync(process.env.HOD_E2E_APP, [`hod://referral/${offer.id}`], {
      env: process.env,
      timeout: 60_000,
      encoding: 'utf8',
    });
    assert.equal(second.status, 0, `the second launch did not hand over and end: ${second.stderr}`);
    await byRole('heading', new RegExp(`^${escapeRe(offer.consumer_name)}`), { timeout: 30_000 });
    await byRole('link', `Call ${offer.phone}`);
  });

  it('CE-3: rejects an offer in the window', async () => {
    await toReferralList();
    const offer = await server.intake({ consumer_name: 'Pedro Rechazo' });
    offers.rejected = offer;
    const card = await offerCard(offer.id, { timeout: LONG });
    await click('button', 'Reject', { within: card });
    const dialog = await byRole('dialog', 'Reject this referral?');
    await checkScreen('reject-dialog', 'en');
    await click('button', 'Reject referral', { within: dialog });
    await noneByRole('article', new RegExp(`#${offer.id}$`));
    const row = await $(`[data-testid="row-${offer.id}"]`);
    await eventually(async () => (await row.getText()).includes('Rejected'), {
      message: 'the row never read Rejected',
    });
    assert.ok(!(await pageText()).includes(offer.phone), 'no contact details for a rejected offer');
  });

  it('CE-4, RS-6: logs a contact attempt and completes the referral with a QHP enrollment', async () => {
    const offer = offers.accepted;
    assert.ok(offer, 'needs the referral accepted in the window');
    await click('button', offer.consumer_name);
    await byRole('heading', new RegExp(`^${offer.consumer_name}`));
    const attempts = await byRole('region', 'Contact attempts');
    await (await byRole('combobox', 'Channel', { within: attempts })).selectByVisibleText('Phone call');
    await (await byRole('combobox', 'Result', { within: attempts })).selectByVisibleText('Reached the consumer');
    await click('button', 'Log attempt', { within: attempts });
    await eventually(async () => (await attempts.getText()).includes('0 of 1 attempts without reaching the consumer'), {
      message: 'the attempt never showed in the log',
    });
    await checkScreen('referral-detail-attempt', 'en');

    await click('button', 'Set to Referral Completed');
    const dialog = await byRole('dialog', 'Referral Completed');
    await click('radio', 'Enrolled in a Qualified Health Plan (QHP)', { within: dialog });
    await checkScreen('complete-dialog', 'en');
    await click('button', 'Save status', { within: dialog });
    await byRole('heading', new RegExp(`^${offer.consumer_name}.*Referral Completed`), { timeout: 30_000 });
    const saved = await eventually(
      async () => {
        const r = await server.referral(token, offer.id);
        return r.status === 'completed' ? r : null;
      },
      { message: 'the server never saw the completion' },
    );
    assert.equal(saved.completion_outcome, 'enrolled_in_qhp');
    assert.equal(saved.contact_attempts.length, 1);
    assert.equal(saved.contact_attempts[0].channel, 'phone');
    assert.equal(saved.contact_attempts[0].outcome, 'reached');
  });

  it('AV-1, AV-4: saves a schedule with a break', async () => {
    await goTo('Availability Settings');
    await byRole('heading', 'Availability Settings');
    // A day three days ahead in the agent's zone, so the break never stops this run's offers.
    const day = new Date(Date.now() + 3 * 86_400_000)
      .toLocaleDateString('en-US', { weekday: 'long', timeZone: 'America/Chicago' })
      .toLowerCase();
    const label = day[0].toUpperCase() + day.slice(1);
    const editor = await $(`[data-testid="day-${day}"]`);
    await click('button', '+ Add a Break', { within: editor });
    await eventually(async () => (await editor.getText()).includes('Break 1'), { message: 'no break row' });
    await waitForText('You have unsaved changes.');
    await checkScreen('availability-settings', 'en');
    await click('button', 'Save');
    await byRole('status', 'Saved.');
    const saved = await eventually(
      async () => {
        const a = await server.availability(token);
        return a.settings.weekly[day].breaks.length === 1 ? a : null;
      },
      { message: `the server never saw the break on ${label}` },
    );
    assert.deepEqual(saved.settings.weekly[day].breaks, [{ start: '12:00', end: '13:00' }]);
  });

  it("AV-6: toggles Today's Availability from the tray menu, and the window and the server follow", async () => {
    const menu = await eventually(() => trayMenu(), { message: "no tray menu on D-Bus (com.canonical.dbusmenu)" });
    const item = trayItems(menu).find((i) => i.label === "Today's Availability");
    assert.ok(item, `no "Today's Availability" in ${JSON.stringify(trayItems(menu))}`);

    clickTrayItem(menu, item.id);
    await eventually(async () => (await server.availability(token)).settings.today?.switch === 'on', {
      message: 'the server never saw Today On',
    });
    await eventually(() => trayItems(menu).find((i) => i.id === item.id)?.toggleState === 1, {
      message: 'the tray item never got checked',
    });
    await waitForText(/Available until/);
    assert.equal(await (await todaySwitch()).getAttribute('aria-checked'), 'true');

    clickTrayItem(menu, item.id);
    await eventually(async () => (await server.availability(token)).settings.today?.switch === 'off', {
      message: 'the server never saw Today Off',
    });
    await eventually(async () => (await (await todaySwitch()).getAttribute('aria-checked')) === 'false', {
      message: 'the window switch never went Off',
    });
    await eventually(() => trayItems(menu).find((i) => i.id === item.id)?.toggleState === 0, {
      message: 'the tray item never got unchecked',
    });
    await checkScreen('todays-availability-off', 'en');

    // On again from the window, so offers keep coming; its pop-up shows Stop Referrals.
    await (await todaySwitch()).click();
    await byRole('region', "Today's Availability");
    await waitForText(/Stop Referrals: /);
    await eventually(async () => (await server.availability(token)).settings.today?.switch === 'on', {
      message: 'the server never saw Today On from the window',
    });
    await checkScreen('todays-availability-panel', 'en');
    await click('button', 'Close', { within: await byRole('region', "Today's Availability") });
  });

  it('AV-7: sets Out of Office with No End Date from the tray, shown until switched off', async () => {
    // The tray's "Out of Office…" brings the window up on the dialog.
    await goTo('Manage Referrals');
    const menu = await eventually(() => trayMenu(), { message: 'no tray menu on D-Bus (com.canonical.dbusmenu)' });
    const item = trayItems(menu).find((i) => i.label === 'Out of Office…');
    assert.ok(item, `no "Out of Office…" in ${JSON.stringify(trayItems(menu))}`);
    clickTrayItem(menu, item.id);
    const dialog = await byRole('dialog', 'Out of Office');
    await click('checkbox', 'No End Date', { within: dialog });
    await checkScreen('out-of-office-dialog', 'en');
    await click('button', 'Apply', { within: dialog });
    const confirm = await byRole('alertdialog', 'Save Out of Office?');
    await waitForText(/until you switch Out of Office off/);
    await click('button', 'Yes', { within: confirm });
    await waitForText(/Out of Office (since|from) .*with no end date/);
    await waitForText('Out of Office — no end date');
    await eventually(
      async () => (await server.availability(token)).settings.out_of_office.some((o) => o.to === null),
      { message: 'the server never saw an Out of Office with no end' },
    );
    assert.equal((await server.availability(token)).status.available, false);
    await checkScreen('out-of-office-banner', 'en');
    await click('button', 'Switch Out of Office off');
    await eventually(async () => !(await pageText()).includes('with no end date'), {
      message: 'the banner stayed',
    });
    await eventually(async () => (await server.availability(token)).status.available === true, {
      message: 'the server never saw Out of Office switched off',
    });
  });

  it('MR-2, MR-4: a referral left to expire reads Missed Referral, with no contact details', async () => {
    await toReferralList();
    const offer = await server.intake({ consumer_name: 'Marta Perdida' });
    offers.missed = offer;
    await offerCard(offer.id, { timeout: LONG });
    // Let the accept window pass.
    await noneByRole('article', new RegExp(`#${offer.id}$`), { timeout: server.acceptWindowMs() + LONG });
    const row = await $(`[data-testid="row-${offer.id}"]`);
    await eventually(async () => (await row.getText()).includes('Missed Referral'), {
      message: 'the row never read Missed Referral',
    });
    const text = await row.getText();
    assert.ok(!text.includes(offer.phone) && !text.includes(offer.consumer_name), `MR-4: ${text}`);
    assert.equal((await allByRole('link', null, row)).length, 0, 'MR-4: no contact link on a missed row');
    await checkScreen('manage-referrals-missed', 'en');
    await click('button', 'Missed Referral', { within: row });
    await waitForText('You missed this referral');
    const page = await pageText();
    assert.ok(!page.includes(offer.phone) && !page.includes(offer.email), 'MR-4: no contact details in the detail');
    assert.equal((await allByRole('link', /^Call /)).length, 0);
    await checkScreen('referral-detail-missed', 'en');
  });

  it('MR-3: the missed-referral alert appears once an offer is missed, without signing in again', async () => {
    assert.ok(offers.missed, 'needs the missed referral of the previous case');
    await toReferralList();
    const alert = await byRole('alert', /^Alert! You have missed \d+ referrals? in the last 7 days/, {
      timeout: 30_000,
    });
    assert.ok(alert);
    await checkScreen('manage-referrals-missed-alert', 'en');
  });

  it('goes offline, switches Today\'s Availability, and the change lands when the server is back', async () => {
    await eventually(async () => (await connectionText()) === 'Online', { timeout: LONG, message: 'not online' });
    const before = (await server.availability(token)).settings.today?.switch;
    const want = before === 'on' ? 'off' : 'on';
    await server.stopServer();
    await eventually(async () => (await connectionText()).startsWith('Offline'), {
      timeout: LONG,
      message: 'the app never noticed the server was gone',
    });
    await waitForText(/You are offline/);
    await (await todaySwitch()).click();
    await eventually(async () => (await connectionText()) === 'Offline — 1 change waiting to be sent', {
      message: 'the change was not queued',
    });
    await eventually(
      async () => (await (await todaySwitch()).getAttribute('aria-checked')) === String(want === 'on'),
      { message: 'the switch did not move while offline' },
    );
    await checkScreen('offline-queued', 'en');

    await server.restartServer();
    await eventually(async () => (await connectionText()) === 'Online', {
      timeout: 90_000,
      message: 'the app never came back online',
    });
    await eventually(async () => (await server.availability(token)).settings.today?.switch === want, {
      message: `the server never got Today ${want}`,
    });
  });

  it('switches to Español in Settings, and every screen reads Spanish', async () => {
    await goTo('Profile');
    await byRole('heading', 'Profile');
    await checkScreen('profile', 'en');
    await goTo('Settings');
    await byRole('heading', 'Settings');
    await checkScreen('settings', 'en');

    await click('radio', 'Español');
    await byRole('heading', 'Configuración');
    assert.equal(await browser.execute(() => document.documentElement.lang), 'es');
    await checkScreen('settings', 'es');
    await byRole('switch', 'Disponibilidad de hoy');

    await goTo('Gestionar referidos');
    await byRole('heading', 'Gestionar referidos');
    await byRole('region', 'Referidos pendientes');
    await checkScreen('manage-referrals', 'es');
    const worked = offers.accepted ?? offers.notification;
    if (worked) {
      await click('button', worked.consumer_name);
      await byRole('heading', 'Información de contacto');
      await checkScreen('referral-detail', 'es');
    }

    await goTo('Ajustes de disponibilidad');
    await byRole('heading', 'Ajustes de disponibilidad');
    await checkScreen('availability-settings', 'es');

    await goTo('Perfil');
    await byRole('heading', 'Perfil');
    await checkScreen('profile', 'es');

    await click('button', 'Fuera de la oficina…');
    const dialog = await byRole('dialog', 'Fuera de la oficina');
    await checkScreen('out-of-office-dialog', 'es');
    await click('button', 'Cancelar', { within: dialog });

    // Signed out, the login is Spanish too.
    await goTo('Configuración');
    await click('button', 'Cerrar sesión');
    await byRole('heading', 'Inicie sesión en Help On Demand', { timeout: LONG });
    await checkScreen('login', 'es');
    const password = await $('#password');
    if (!(await password.getValue())) await password.setValue(server.ANA.password);
    await click('button', 'Iniciar sesión');
    await byRole('heading', 'Gestionar referidos', { timeout: LONG });

    // Back to English for what follows.
    await goTo('Configuración');
    await click('radio', 'English');
    await byRole('heading', 'Settings');
  });


  it('is online again after signing out and in again', async () => {
    await eventually(async () => (await connectionText()) === 'Online', {
      timeout: LONG,
      message: 'the connection never read Online after signing in again',
    });
  });

  it('MR-3: after signing in again, the missed-referral alert is shown', async () => {
    assert.ok(offers.missed, 'needs the missed referral');
    await toReferralList();
    await byRole('alert', /^Alert! You have missed \d+ referrals? in the last 7 days/, { timeout: 30_000 });
    await checkScreen('manage-referrals-missed-alert', 'en');
  });

  it('CP-1: with Email & Text, an offer shows in the window but raises no desktop notification', async () => {
    const contactMethod = async (expected) => {
      await goTo('Profile');
      const select = await byRole('combobox', 'Preferred Contact Method');
      await eventually(async () => (await select.getValue()) === expected, {
        message: `the Profile never showed ${expected}`,
      });
    };
    // Taking referrals again (the offline case left Today's Availability Off).
    await server.switchTodayOn(token);
    await eventually(async () => (await (await todaySwitch()).getAttribute('aria-checked')) === 'true', {
      message: "the window never showed Today's Availability On",
    });
    const seen = notifications().length;
    await server.setContactMethod(token, 'email_text');
    await contactMethod('email_text');
    const quiet = await server.intake({ consumer_name: 'Quieta Correo', city: 'Round Rock', zip: '78664' });
    await toReferralList();
    const card = await offerCard(quiet.id, { timeout: LONG });
    // Answered (CE-3: no penalty), so the next offer can come to ana at once.
    await click('button', 'Reject', { within: card });
    await click('button', 'Reject referral', { within: await byRole('dialog', 'Reject this referral?') });
    await noneByRole('article', new RegExp(`#${quiet.id}$`));

    // Back to Email, Text & App Notification: the next offer's notification is the first one
    // since, so the quiet offer raised none.
    await server.setContactMethod(token, 'email_text_app');
    await contactMethod('email_text_app');
    const loud = await server.intake({ consumer_name: 'Ruidosa App', city: 'Austin', zip: '78701' });
    const raised = await eventually(
      () => {
        const offersSince = notifications()
          .slice(seen)
          .filter((n) => n.summary?.includes('New referral'));
        return offersSince.length > 0 ? offersSince : null;
      },
      { timeout: LONG, message: 'no Notify for the offer after switching the app channel back on' },
    );
    assert.match(raised[0].summary, /Austin/, `the first notification since was ${raised[0].summary}`);
    assert.ok(!raised.some((n) => /Round Rock/.test(n.summary)), 'the Email & Text offer raised a notification');
    await toReferralList();
    await offerCard(loud.id, { timeout: LONG });
  });
});
