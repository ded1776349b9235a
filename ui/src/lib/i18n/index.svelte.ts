// The UI language and `t()`. Reading `i18n.lang` inside `t()` makes every translated string
// in a template update when the language changes.

import { en, type MessageKey, type Messages } from './en';
import { es } from './es';
import type { UiLanguage } from '../types';

export type { MessageKey };

export const dictionaries: Record<UiLanguage, Messages> = { en, es };

export const i18n = $state<{ lang: UiLanguage }>({ lang: 'en' });

export type Params = Record<string, string | number>;

function fill(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function t(key: MessageKey, params?: Params): string {
  return fill(dictionaries[i18n.lang][key] ?? en[key], params);
}

/** Whether `key` is a message (for keys built at run time, like `error.<code>`). */
export function has(key: string): key is MessageKey {
  return key in en;
}

type PluralBase<K> = K extends `${infer B}_one` ? B : never;

/** `base_one` for 1, `base_other` otherwise; `{n}` is the count. */
export function tn(base: PluralBase<MessageKey>, n: number, params?: Params): string {
  const key = `${base}_${n === 1 ? 'one' : 'other'}` as MessageKey;
  return t(key, { n, ...params });
}
