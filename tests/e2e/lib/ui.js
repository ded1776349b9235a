// The window, found the way a screen-reader user finds it: by role and accessible name.
// Also axe-core (injected from node_modules) and screenshots.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Runs in the page: the visible elements with `role` whose accessible name matches `name`
 * (a string: equal after trimming and collapsing spaces; `{re, flags}`: a regular
 * expression; null: any name), inside `root` (an element, or the document).
 */
function queryByRole(role, name, root) {
  const implicit = {
    button: 'button, input[type=submit], input[type=button], summary',
    link: 'a[href]',
    heading: 'h1, h2, h3, h4, h5, h6',
    checkbox: 'input[type=checkbox]',
    radio: 'input[type=radio]',
    combobox: 'select',
    textbox: 'input:not([type]), input[type=text], input[type=url], input[type=email], input[type=tel], textarea',
    searchbox: 'input[type=search]',
    dialog: 'dialog',
    table: 'table',
    row: 'tr',
    navigation: 'nav',
    article: 'article',
    main: 'main',
    region: 'section[aria-label], section[aria-labelledby]',
    banner: 'header',
    progressbar: 'progress',
  };
  const text = (el) => (el ? el.textContent : '').replace(/\s+/g, ' ').trim();
  const labelText = (label) => {
    const copy = label.cloneNode(true);
    copy.querySelectorAll('input, select, textarea').forEach((c) => c.remove());
    return text(copy);
  };
  const accessibleName = (el) => {
    const by = el.getAttribute('aria-labelledby');
    if (by) {
      return by
        .split(/\s+/)
        .map((id) => text(document.getElementById(id)))
        .join(' ')
        .trim();
    }
    const aria = el.getAttribute('aria-label');
    if (aria) return aria.trim();
    if (el.id) {
      const label = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
      if (label) return labelText(label);
    }
    const wrapping = el.closest('label');
    if (wrapping && wrapping !== el) return labelText(wrapping);
    if (el.tagName === 'INPUT' && (el.type === 'submit' || el.type === 'button')) return el.value;
    if (['SELECT', 'INPUT', 'TEXTAREA', 'TABLE', 'NAV', 'MAIN', 'DIALOG'].includes(el.tagName)) return '';
    return text(el);
  };
  const visible = (el) => {
    if (el.closest('dialog') && !el.closest('dialog').open) return false;
    if (el.closest('[hidden], [aria-hidden="true"]')) return false;
    const rects = el.getClientRects();
    return rects.length > 0 || el.tagName === 'DIALOG';
  };
  const matches = (actual) => {
    if (name === null || name === undefined) return true;
    if (typeof name === 'string') return actual === name.replace(/\s+/g, ' ').trim();
    return new RegExp(name.re, name.flags).test(actual);
  };
  const scope = root || document;
  const selector = [`[role="${role}"]`, implicit[role]].filter(Boolean).join(', ');
  return [...scope.querySelectorAll(selector)].filter((el) => {
    const own = el.getAttribute('role');
    if (own && own !== role) return false;
    return visible(el) && matches(accessibleName(el));
  });
}

const wire = (name) => (name instanceof RegExp ? { re: name.source, flags: name.flags } : name);

/** The elements with this role and name (now, no waiting). */
export async function allByRole(role, name = null, within = null) {
  const found = await browser.execute(queryByRole, role, wire(name), within ?? null);
  return Promise.all(found.map((ref) => $(ref)));
}

/** Waits for the element with this role and name, and returns it. */
export async function byRole(role, name = null, { within = null, timeout = 20_000 } = {}) {
  let found = null;
  await browser.waitUntil(
    async () => {
      const list = await browser.execute(queryByRole, role, wire(name), within ?? null);
      found = list[0] ?? null;
      return found !== null;
    },
    { timeout, timeoutMsg: `no ${role} named ${String(name)} within ${timeout} ms` },
  );
  return $(found);
}

/** Waits until there is no element with this role and name. */
export async function noneByRole(role, name = null, { within = null, timeout = 20_000 } = {}) {
  await browser.waitUntil(
    async () => (await browser.execute(queryByRole, role, wire(name), within ?? null)).length === 0,
    { timeout, timeoutMsg: `a ${role} named ${String(name)} is still shown after ${timeout} ms` },
  );
}

/** Waits until the page's visible text matches `pattern`. */
export async function waitForText(pattern, { timeout = 20_000 } = {}) {
  const re = pattern instanceof RegExp ? pattern : new RegExp(escape(pattern));
  let last = '';
  await browser.waitUntil(
    async () => {
      last = await browser.execute(() => document.body.innerText);
      return re.test(last);
    },
    { timeout, timeoutMsg: `the window never showed ${re} within ${timeout} ms` },
  );
  return last;
}

export const pageText = () => browser.execute(() => document.body.innerText);

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function click(role, name, options) {
  const element = await byRole(role, name, options);
  await element.scrollIntoView({ block: 'center' });
  await element.click();
  return element;
}

// ---- axe-core -------------------------------------------------------------------------------

const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Injects axe-core into the page (once per document) and checks the whole window against
 * WCAG 2.x A/AA and axe's best practices. Returns the violations, one line each.
 */
export async function axeViolations() {
  const loaded = await browser.execute(() => typeof window.axe !== 'undefined');
  if (!loaded) {
    // As the body of the script WebDriver runs: no eval in the page (its CSP forbids it).
    await browser.execute(`${axeSource}\n;window.axe = axe; return true;`);
  }
  const result = await browser.executeAsync((done) => {
    window.axe
      .run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
        resultTypes: ['violations'],
      })
      .then((r) =>
        done(
          r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.map((n) => `${n.target.join(' ')} — ${n.failureSummary}`),
          })),
        ),
      )
      .catch((e) => done([{ id: 'axe-error', impact: 'error', help: String(e), nodes: [] }]));
  });
  return result.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`);
}

/** Checks the current screen with axe and saves a screenshot `<name>.<language>.png`. */
/**
 * The screen as the X server shows it, into `file` (ImageMagick's `import`). Not WebDriver's
 * screenshot: WebKitWebDriver asks WebKit for a snapshot of the page's composited layers,
 * which never answers for a window that paints without compositing, as the app's does on
 * Linux (decision 0505). Capturing the display also shows what the agent sees, tray
 * notifications included.
 */
export function saveScreen(file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('import', ['-window', 'root', file], { stdio: 'ignore', timeout: 20_000 });
}

export async function checkScreen(name, language = 'en') {
  const dir = process.env.HOD_E2E_ARTIFACTS;
  if (dir) saveScreen(path.join(dir, `${name}.${language}.png`));
  const violations = await axeViolations();
  if (violations.length > 0) {
    throw new Error(`axe found ${violations.length} violation(s) on ${name} (${language}):\n${violations.join('\n')}`);
  }
}
