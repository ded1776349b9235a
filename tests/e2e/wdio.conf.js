// WebdriverIO: the real app binary through tauri-driver (started by scripts/e2e.sh, which
// also starts the server, the notification daemon and dbus-monitor, and sets the variables
// read here and in lib/).

import { saveScreen } from './lib/ui.js';

const app = process.env.HOD_E2E_APP;
if (!app) {
  throw new Error('run the suite with scripts/e2e.sh (or make e2e): HOD_E2E_APP is not set');
}

export const config = {
  runner: 'local',
  hostname: '127.0.0.1',
  port: Number(process.env.E2E_DRIVER_PORT ?? 4444),
  specs: ['./specs/**/*.e2e.js'],
  maxInstances: 1,
  capabilities: [
    {
      'tauri:options': { application: app },
      // WebKitWebDriver speaks classic WebDriver only.
      'wdio:enforceWebDriverClassic': true,
    },
  ],
  logLevel: 'warn',
  outputDir: process.env.HOD_E2E_ARTIFACTS,
  framework: 'mocha',
  reporters: ['spec'],
  mochaOpts: { ui: 'bdd', timeout: 240_000 },
  waitforTimeout: 20_000,
  waitforInterval: 250,
  connectionRetryTimeout: 120_000,
  connectionRetryCount: 1,

  // A screenshot of the display whenever a case fails.
  async afterTest(test, _context, { passed }) {
    const dir = process.env.HOD_E2E_ARTIFACTS;
    if (passed || !dir) return;
    const name = test.title.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80);
    try {
      saveScreen(`${dir}/FAILED-${name}.png`);
    } catch {
      // A missing screenshot must not hide the failure itself.
    }
  },
};
