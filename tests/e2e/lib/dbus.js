// The session bus: the notifications dbus-monitor recorded, an action "pressed" on one of
// them (ActionInvoked, as the notification server would send it), and the tray menu the
// app exports (com.canonical.dbusmenu) — no tray host needed.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const gdbus = (...args) =>
  execFileSync('gdbus', ['call', '--session', ...args], {
    encoding: 'utf8',
    timeout: 10_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

/**
 * Every Notify call in the dbus-monitor log, with the id the server answered:
 * `{sender, serial, app, summary, body, actions: [[id, label], …], id}`.
 */
export function notifications() {
  const file = process.env.HOD_E2E_DBUS_LOG;
  if (!file) throw new Error('HOD_E2E_DBUS_LOG is not set: run the suite with scripts/e2e.sh');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const blocks = [];
  for (const line of text.split('\n')) {
    if (/^(method call|method return|signal|error) /.test(line)) blocks.push({ head: line, lines: [] });
    else if (blocks.length) blocks[blocks.length - 1].lines.push(line);
  }
  const field = (head, name) => head.match(new RegExp(`\\b${name}=(\\S+)`))?.[1];
  const calls = [];
  const returns = [];
  for (const block of blocks) {
    if (block.head.startsWith('method call') && /member=Notify\b/.test(block.head)) {
      const scalars = [];
      const actions = [];
      let depth = 0;
      let inActions = false;
      for (const line of block.lines) {
        const trimmed = line.trim();
        if (trimmed.startsWith('array [')) {
          depth += 1;
          if (depth === 1 && scalars.length === 5 && !inActions && actions.length === 0) inActions = true;
          continue;
        }
        if (trimmed === ']') {
          depth -= 1;
          if (depth === 0) inActions = false;
          continue;
        }
        const value = trimmed.match(/^(?:string "(.*)"|uint32 (\d+)|int32 (-?\d+))$/);
        if (!value) continue;
        const v = value[1] ?? value[2] ?? value[3];
        if (inActions && depth === 1) actions.push(v);
        else if (depth === 0) scalars.push(v);
      }
      const pairs = [];
      for (let i = 0; i + 1 < actions.length; i += 2) pairs.push([actions[i], actions[i + 1]]);
      calls.push({
        sender: field(block.head, 'sender'),
        serial: field(block.head, 'serial'),
        app: scalars[0],
        summary: scalars[3],
        body: scalars[4],
        actions: pairs,
        id: null,
      });
    } else if (block.head.startsWith('method return')) {
      const id = block.lines.map((l) => l.trim().match(/^uint32 (\d+)$/)?.[1]).find(Boolean);
      returns.push({
        destination: field(block.head, 'destination'),
        reply: field(block.head, 'reply_serial'),
        id: id ? Number(id) : null,
      });
    }
  }
  for (const call of calls) {
    const answer = returns.find((r) => r.destination === call.sender && r.reply === call.serial);
    if (answer) call.id = answer.id;
  }
  return calls;
}

/** Sends ActionInvoked(id, action) as the notification server would on a button press. */
export function invokeAction(id, action) {
  execFileSync(
    'dbus-send',
    [
      '--session',
      '--type=signal',
      '/org/freedesktop/Notifications',
      'org.freedesktop.Notifications.ActionInvoked',
      `uint32:${id}`,
      `string:${action}`,
    ],
    { timeout: 10_000 },
  );
}

/** The unique bus names of the app's connections (matched by the process's executable). */
function appBusNames() {
  const app = fs.realpathSync(process.env.HOD_E2E_APP);
  const list = gdbus(
    '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus',
    '--method', 'org.freedesktop.DBus.ListNames',
  );
  const names = [...list.matchAll(/'(:[0-9.]+)'/g)].map((m) => m[1]);
  const mine = [];
  for (const name of names) {
    try {
      const out = gdbus(
        '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus',
        '--method', 'org.freedesktop.DBus.GetConnectionUnixProcessID', name,
      );
      const pid = Number(out.match(/uint32 (\d+)/)?.[1]);
      if (pid && fs.realpathSync(`/proc/${pid}/exe`) === app) mine.push(name);
    } catch {
      // gone, or not ours to read
    }
  }
  return mine;
}

/** Where the app's tray menu is: `{name, path}` (path: …/NotificationItem/<tray id>/Menu). */
export function trayMenu() {
  for (const name of appBusNames()) {
    let xml;
    try {
      xml = gdbus(
        '--dest', name, '--object-path', '/org/ayatana/NotificationItem',
        '--method', 'org.freedesktop.DBus.Introspectable.Introspect',
      );
    } catch {
      continue;
    }
    const node = xml.match(/<node name=\\?"([^"\\]+)\\?"/);
    if (node) return { name, path: `/org/ayatana/NotificationItem/${node[1]}/Menu` };
  }
  return null;
}

/** The menu's items: `[{id, label, toggleState}]` (GetLayout of the whole tree). */
export function trayItems(menu) {
  const layout = gdbus(
    '--dest', menu.name, '--object-path', menu.path,
    '--method', 'com.canonical.dbusmenu.GetLayout', '--', '0', '-1', '[]',
  );
  const items = [];
  for (const m of layout.matchAll(/<\((\d+), \{([^}]*)\}/g)) {
    const props = m[2];
    const label = props.match(/'label': <(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")>/);
    const toggle = props.match(/'toggle-state': <(-?\d+)>/);
    items.push({
      id: Number(m[1]),
      label: label ? (label[1] ?? label[2]).replace(/\\(.)/g, '$1') : null,
      toggleState: toggle ? Number(toggle[1]) : null,
    });
  }
  return items;
}

/** Clicks a menu item, as a tray host would. */
export function clickTrayItem(menu, id) {
  gdbus(
    '--dest', menu.name, '--object-path', menu.path,
    '--method', 'com.canonical.dbusmenu.Event', '--', String(id), 'clicked', '<"">', '0',
  );
}
