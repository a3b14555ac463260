import { CRL_REASONS, type CrlReason } from '@jpki-validator/x509';

/** A reason → meaning map: how the business reads each RFC 5280 reason under a profile. */
export type MeaningMap = Readonly<Partial<Record<CrlReason, string>>>;

/**
 * The built-in `jpki` profile (docs/api.md, "Meaning"). J-LIS's own CPS words these codes differently from the common reading,
 * which is why operators can override the map in the config without a release.
 */
export const JPKI_PROFILE: MeaningMap = Object.freeze({
  affiliationChanged: 'death_or_emigration',
  superseded: 'basic_info_changed',
  cessationOfOperation: 'card_lost_or_emigration',
  certificateHold: 'suspended_card_lost',
});

export const BUILT_IN_PROFILES: Readonly<Record<string, MeaningMap>> = Object.freeze({ jpki: JPKI_PROFILE, rfc5280: Object.freeze({}) });

/** RFC 5280 reason names in snake_case, written out: `cACompromise` is `ca_compromise`, which no regex gets right. */
const SNAKE: Readonly<Record<CrlReason, string>> = {
  unspecified: 'unspecified',
  keyCompromise: 'key_compromise',
  cACompromise: 'ca_compromise',
  affiliationChanged: 'affiliation_changed',
  superseded: 'superseded',
  cessationOfOperation: 'cessation_of_operation',
  certificateHold: 'certificate_hold',
  removeFromCRL: 'remove_from_crl',
  privilegeWithdrawn: 'privilege_withdrawn',
  aACompromise: 'aa_compromise',
};
const snake = (reason: CrlReason): string => SNAKE[reason];

/** Resolves a reason to its meaning: the map's word, else the reason in snake_case (`keyCompromise` → `key_compromise`). */
export function createMeaningResolver(map: MeaningMap): (reason: CrlReason) => string {
  const table = new Map<string, string>();
  for (const reason of CRL_REASONS) if (reason) table.set(reason, map[reason] ?? snake(reason));
  return (reason) => table.get(reason) ?? snake(reason);
}

/** meaning → human label, per language tag */
export type MeaningLabels = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * Labels for every meaning the built-in profiles give, in Japanese and English. A profile's own `labels` add to (and override)
 * these; a meaning without a label in the asked language has `meaningLabel: null`.
 */
export const BUILT_IN_LABELS: MeaningLabels = Object.freeze({
  ja: Object.freeze({
    death_or_emigration: '死亡または国外転出',
    basic_info_changed: '基本4情報（氏名・住所・生年月日・性別）の変更による再発行',
    card_lost_or_emigration: 'カードの紛失・廃止または国外転出',
    suspended_card_lost: 'カード紛失による一時停止',
    unspecified: '理由の指定なし',
    key_compromise: '秘密鍵の危殆化',
    ca_compromise: '認証局の危殆化',
    affiliation_changed: '所属の変更',
    superseded: '証明書の更新',
    cessation_of_operation: '運用の停止',
    certificate_hold: '一時停止',
    remove_from_crl: 'CRLからの削除',
    privilege_withdrawn: '権限の取消し',
    aa_compromise: '属性認証局の危殆化',
  }),
  en: Object.freeze({
    death_or_emigration: 'holder died or emigrated',
    basic_info_changed: 'name, address, birth date or gender changed; certificate reissued',
    card_lost_or_emigration: 'card lost or given up, or holder emigrated',
    suspended_card_lost: 'suspended: card reported lost',
    unspecified: 'no reason given',
    key_compromise: 'private key compromised',
    ca_compromise: 'CA compromised',
    affiliation_changed: 'affiliation changed',
    superseded: 'superseded',
    cessation_of_operation: 'cessation of operation',
    certificate_hold: 'on hold',
    remove_from_crl: 'removed from the CRL',
    privilege_withdrawn: 'privilege withdrawn',
    aa_compromise: 'attribute authority compromised',
  }),
});

/** Merges label tables: later ones add to and override earlier ones, language by language. */
export function mergeLabels(...tables: MeaningLabels[]): MeaningLabels {
  const out: Record<string, Record<string, string>> = {};
  for (const table of tables) for (const [lang, labels] of Object.entries(table)) out[lang] = { ...out[lang], ...labels };
  return Object.freeze(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Object.freeze(v)])));
}

/**
 * The language of labels to give for an `Accept-Language` header: the first tag (by q, then order) whose primary language has
 * labels; null when none has (or the header is absent). `ja-JP` matches `ja`.
 */
export function pickLabelLanguage(acceptLanguage: string | null | undefined, labels: MeaningLabels): string | null {
  if (!acceptLanguage) return null;
  const ranges = acceptLanguage
    .split(',')
    .map((part, order) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), order };
    })
    .filter((r) => r.tag !== '' && r.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const { tag } of ranges) {
    if (labels[tag]) return tag;
    const primary = tag.split('-')[0] ?? '';
    if (labels[primary]) return primary;
  }
  return null;
}
