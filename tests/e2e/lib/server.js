// The hod-server the app talks to: its HTTP API (intake, agent's view for checks) and its
// process (stopped and restarted on the same database and port for the offline case).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with scripts/e2e.sh`);
  return value;
};

export const serverUrl = () => env('HOD_E2E_SERVER_URL');
export const acceptWindowMs = () => parseDuration(env('HOD_E2E_ACCEPT_WINDOW'));

export const ANA = { username: 'ana', password: 'Ana#Demo2027' };
/** The other demo agents; they are put Out of Office so every referral goes to ana. */
export const OTHERS = [
  { username: 'ben', password: 'Ben#Demo2027' },
  { username: 'carmen', password: 'Carmen#Demo2027' },
  { username: 'dev', password: 'Dev#Demo2027' },
];

function parseDuration(text) {
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)\s*(ms|s|m|h)/g)) {
    ms += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit];
  }
  return ms;
}

async function request(method, route, { token, body, headers = {} } = {}) {
  const response = await fetch(serverUrl() + route, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`${method} ${route}: ${response.status} ${text}`);
  }
  return text ? JSON.parse(text) : null;
}

export async function login({ username, password } = ANA) {
  const session = await request('POST', '/v1/auth/login', { body: { username, password } });
  return session.token;
}

export const availability = (token) => request('GET', '/v1/availability', { token });
export const referral = (token, id) => request('GET', `/v1/referrals/${id}`, { token });
export const switchTodayOn = (token) =>
  request('POST', '/v1/availability/today', { token, body: { on: true } });
export const setContactMethod = (token, method) =>
  request('PATCH', '/v1/profile', { token, body: { preferred_contact_method: method } });

/** Puts every demo agent but ana Out of Office with no end date. */
export async function onlyAnaTakesReferrals() {
  for (const agent of OTHERS) {
    const token = await login(agent);
    await request('PUT', '/v1/availability/out-of-office', {
      token,
      body: { from: new Date(Date.now() - 60_000).toISOString(), to: null },
    });
  }
}

let consumers = 0;
/** A consumer's request through the intake API; returns `{id, name, phone, …}`. */
export async function intake(overrides = {}) {
  consumers += 1;
  const body = {
    consumer_name: `E2E Consumer ${Date.now() % 100000}-${consumers}`,
    phone: `512555${String(1000 + consumers).slice(-4)}`,
    email: `consumer${consumers}@example.com`,
    state: 'TX',
    city: 'Austin',
    zip: '78701',
    preferred_language: 'es',
    notes: null,
    ...overrides,
  };
  const receipt = await request('POST', '/v1/intake/referrals', {
    body,
    headers: { 'x-api-key': env('HOD_E2E_INTAKE_KEY'), 'idempotency-key': `e2e-${Date.now()}-${consumers}` },
  });
  return { ...body, id: receipt.id, state_on_receipt: receipt.state };
}

/** Whether the server answers /healthz. */
export async function healthy() {
  try {
    const response = await fetch(serverUrl() + '/healthz');
    return response.ok;
  } catch {
    return false;
  }
}

let current = { pgid: Number(process.env.HOD_E2E_SERVER_PGID), child: null };

/** Stops the server at once (SIGKILL: the app sees the connection drop). */
export async function stopServer() {
  try {
    process.kill(-current.pgid, 'SIGKILL');
  } catch {
    // already gone
  }
  const deadline = Date.now() + 10_000;
  while ((await healthy()) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (await healthy()) throw new Error('the server is still answering');
}

/** Starts the server again on the same database and port. */
export async function restartServer() {
  const runDir = env('HOD_E2E_RUN_DIR');
  const listen = new URL(serverUrl()).host;
  const log = path.join(runDir, 'server-restarted.log');
  const out = fs.openSync(log, 'a');
  const child = spawn(env('HOD_E2E_SERVER_BIN'), ['serve'], {
    detached: true,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      HOD_DATABASE: env('HOD_E2E_DATABASE'),
      HOD_LISTEN: listen,
      HOD_ACCEPT_WINDOW: env('HOD_E2E_ACCEPT_WINDOW'),
      HOD_INTAKE_API_KEYS: env('HOD_E2E_INTAKE_KEY'),
      HOD_HEARTBEAT_INTERVAL: '2s',
      HOD_DISPATCH_RETRY_INTERVAL: '2s',
    },
  });
  child.unref();
  fs.writeFileSync(path.join(runDir, 'pids', 'server-restarted.pid'), String(child.pid));
  current = { pgid: child.pid, child };
  const deadline = Date.now() + 30_000;
  while (!(await healthy())) {
    if (Date.now() > deadline) throw new Error(`the server did not come back; see ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
