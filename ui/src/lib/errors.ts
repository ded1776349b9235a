// Errors from the host, in the agent's language: the code is translated; the message the
// backend sent is the fallback for a code this UI does not know yet.

import { HostError } from './host';
import { has, t } from './i18n/index.svelte';
import type { ValidationError } from './types';

export function errorText(reason: unknown): string {
  const error = HostError.from(reason);
  const key = `error.${error.code}`;
  if (has(key)) return t(key);
  return error.message || t('error.unknown');
}

export function validationText(error: ValidationError): string {
  const key = `validation.${error.code}`;
  const message = has(key) ? t(key) : error.message;
  return t('error.field', { message, rule: error.rule });
}

/** Field errors of a `validation` failure, by field name (`weekly.monday.breaks[1]`). */
export function fieldErrors(reason: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const error = HostError.from(reason);
  for (const e of error.body.errors ?? []) out[e.field] ??= validationText(e);
  return out;
}
