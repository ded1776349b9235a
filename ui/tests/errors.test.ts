import { afterEach, describe, expect, it } from 'vitest';
import { errorText, fieldErrors } from '../src/lib/errors';
import { HostError } from '../src/lib/host';
import { i18n } from '../src/lib/i18n/index.svelte';

afterEach(() => {
  i18n.lang = 'en';
});

describe('error codes from the host', () => {
  it('translates a known code, ignoring the backend message', () => {
    const e = { code: 'accept_window_closed', message: 'window closed at 10:15' };
    expect(errorText(e)).toMatch(/15-minute window to accept this referral has closed/);
    i18n.lang = 'es';
    expect(errorText(e)).toMatch(/Se cerró el plazo de 15 minutos/);
  });

  it('falls back to the message for a code this UI does not know', () => {
    expect(errorText({ code: 'brand_new_code', message: 'Something specific.' })).toBe(
      'Something specific.',
    );
  });

  it('treats anything else as internal', () => {
    const e = HostError.from(new Error('boom'));
    expect(e.code).toBe('internal');
    expect(errorText('boom')).toBe('Something went wrong. Try again.');
  });

  it('maps validation errors to their fields with the rule', () => {
    const e = {
      code: 'validation',
      message: 'bad',
      errors: [
        { field: 'weekly.monday.breaks[0]', rule: 'AV-4', code: 'break_outside_hours', message: 'x' },
      ],
    };
    expect(fieldErrors(e)).toEqual({
      'weekly.monday.breaks[0]': 'The break must be inside the hours. (AV-4)',
    });
  });
});
