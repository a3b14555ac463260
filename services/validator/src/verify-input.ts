/**
 * The /v1/verify JSON body (already checked by its zod schema) as the verifier's input: base64 fields decoded, each mistake a
 * 400 naming the field (`items.3.signature: not base64`), and the four request shapes told apart — one signature, several items,
 * a CMS message, a challenge answer.
 */
import type { CheckOptions, SignedItemInput, VerifyInput } from '@jpki-validator/status';
import type { z } from '@hono/zod-openapi';
import { ProblemError } from './problem.js';
import type { VerifyRequestSchema } from './verify-schemas.js';

type VerifyBody = z.infer<typeof VerifyRequestSchema>;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

const bad = (field: string, message: string): ProblemError => new ProblemError(400, 'bad-request', `${field}: ${message}`);

/** standard or URL-safe base64, whitespace ignored */
export function decodeBase64Field(text: string, field: string): Uint8Array {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0) throw bad(field, 'empty');
  if (BASE64.test(compact) && compact.length % 4 === 0) return new Uint8Array(Buffer.from(compact, 'base64'));
  if (BASE64URL.test(compact) && compact.length % 4 !== 1) return new Uint8Array(Buffer.from(compact, 'base64url'));
  throw bad(field, 'not base64');
}

const optionalBytes = (text: string | undefined, field: string): Uint8Array | undefined =>
  text === undefined ? undefined : decodeBase64Field(text, field);

export function verifyInputOf(
  body: VerifyBody,
  check: CheckOptions,
  caller: { owner: string | null; personalAllowed: boolean },
): VerifyInput {
  const shapes = [body.items !== undefined, body.cms !== undefined, body.challengeId !== undefined].filter(Boolean).length;
  if (shapes > 1) throw bad('(body)', 'give one of items, cms, challengeId');
  if (body.items !== undefined && (body.signature ?? body.data ?? body.digest) !== undefined)
    throw bad(
      body.signature !== undefined ? 'signature' : body.data !== undefined ? 'data' : 'digest',
      'not with items: put it in an item',
    );
  if (body.cms !== undefined && body.signature !== undefined) throw bad('signature', 'not with cms: the message holds its signature');
  if (body.challengeId !== undefined && (body.data ?? body.digest) !== undefined)
    throw bad(body.data !== undefined ? 'data' : 'digest', 'not with challengeId: the signature is over the challenge nonce');
  if (body.data !== undefined && body.digest !== undefined) throw bad('digest', 'give data or digest, not both');

  let items: SignedItemInput[] = [];
  if (body.items !== undefined) {
    items = body.items.map((item, i) => ({
      ...(item.id !== undefined ? { id: item.id } : {}),
      ...(item.data !== undefined ? { data: decodeBase64Field(item.data, `items.${i}.data`) } : {}),
      ...(item.digest !== undefined ? { digest: decodeBase64Field(item.digest, `items.${i}.digest`) } : {}),
      signature: decodeBase64Field(item.signature, `items.${i}.signature`),
      ...(item.algorithm !== undefined ? { algorithm: item.algorithm } : {}),
    }));
  } else if (body.cms === undefined) {
    if (body.signature === undefined) throw bad('signature', 'required (or give items or cms)');
    if (body.challengeId === undefined && body.data === undefined && body.digest === undefined)
      throw bad('data', 'required: the signed document (data) or its digest');
    items = [
      {
        ...(body.data !== undefined ? { data: decodeBase64Field(body.data, 'data') } : {}),
        ...(body.digest !== undefined ? { digest: decodeBase64Field(body.digest, 'digest') } : {}),
        signature: decodeBase64Field(body.signature, 'signature'),
        ...(body.algorithm !== undefined ? { algorithm: body.algorithm } : {}),
      },
    ];
  }
  if (body.cms === undefined && body.certificate === undefined) throw bad('certificate', 'required');
  const data = body.cms !== undefined ? optionalBytes(body.data, 'data') : undefined;
  const digest = body.cms !== undefined ? optionalBytes(body.digest, 'digest') : undefined;
  return {
    certificate: body.certificate ?? null,
    cms: body.cms ?? null,
    cmsContent: data !== undefined ? { data } : digest !== undefined ? { digest } : null,
    items,
    itemsListed: body.items !== undefined,
    challengeId: body.challengeId ?? null,
    purpose: body.purpose ?? null,
    check,
    personal: { requested: body.includePersonal === true, allowed: caller.personalAllowed },
    owner: caller.owner,
  };
}
