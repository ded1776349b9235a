import { describe, expect, it } from 'vitest';
import { en } from '../src/lib/i18n/en';
import { es } from '../src/lib/i18n/es';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n', () => {
  it('has every key in both English and Spanish', () => {
    const enKeys = Object.keys(en).sort();
    const esKeys = Object.keys(es).sort();
    expect(esKeys.filter((k) => !(k in en)), 'keys only in es.ts').toEqual([]);
    expect(enKeys.filter((k) => !(k in es)), 'keys missing from es.ts').toEqual([]);
  });

  it('has no empty message in either language', () => {
    for (const [lang, dict] of Object.entries({ en, es })) {
      for (const [key, text] of Object.entries(dict)) {
        expect(text.trim(), `${lang}: ${key}`).not.toBe('');
      }
    }
  });

  it('uses the same placeholders in both languages', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(es[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('has both plural forms of every plural message', () => {
    for (const key of Object.keys(en)) {
      if (key.endsWith('_one')) expect(en, key).toHaveProperty(key.replace(/_one$/, '_other'));
    }
  });

  it('rule MR-3: the Spanish alert is the program wording', () => {
    expect(es['missed.alert_one']).toContain('¡Alerta! Ha perdido {n} referido en los últimos 7 días.');
  });
});
