/**
 * Which `meaningLabel` an answer carries: the profile's `labelLanguage` for every answer, else the language a request asks for
 * with `Accept-Language` when the profile has labels in it (built in: ja and en), else none — and then the answer has no
 * `meaningLabel` key at all, and the status GET keeps its fast path.
 */
import { BUILT_IN_LABELS, pickLabelLanguage, type MeaningLabels } from '@jpki-validator/config';
import type { LabelOf } from './batch/batch-answers.js';

export interface LabelOptions {
  labels: MeaningLabels;
  /** label every answer in this language; null: only when asked */
  labelLanguage: string | null;
}

/** per Accept-Language text: few distinct values (one per client library or browser) */
const CACHE_LIMIT = 256;

/** `labelFor(acceptLanguage)`: the label function for a request, or null when no label is asked for */
export function createLabeller(
  options: LabelOptions = { labels: BUILT_IN_LABELS, labelLanguage: null },
): (acceptLanguage: string | null | undefined) => LabelOf | null {
  const byLanguage = new Map<string, LabelOf>();
  const ofLanguage = (language: string): LabelOf => {
    let f = byLanguage.get(language);
    if (f === undefined) {
      const table = options.labels[language] ?? {};
      f = (meaning) => table[meaning] ?? null;
      byLanguage.set(language, f);
    }
    return f;
  };
  const fixed = options.labelLanguage === null ? null : ofLanguage(options.labelLanguage);
  const byHeader = new Map<string, LabelOf | null>();
  return (acceptLanguage) => {
    if (fixed !== null) return fixed;
    if (!acceptLanguage) return null;
    let f = byHeader.get(acceptLanguage);
    if (f === undefined) {
      const language = pickLabelLanguage(acceptLanguage, options.labels);
      f = language === null ? null : ofLanguage(language);
      if (byHeader.size >= CACHE_LIMIT) byHeader.clear();
      byHeader.set(acceptLanguage, f);
    }
    return f;
  };
}
