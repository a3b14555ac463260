/** docs/api.md's reference part, rendered from the OpenAPI document the validator serves (/openapi.json). */
import { cell, table } from './markers.ts';

type Schema = Record<string, unknown> & {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  description?: string;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
};
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}
type Doc = {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
  tags?: { name: string }[];
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** a short type: `string`, `StatusAnswer`, `array of BatchItem`, `"good" \| "revoked"` */
export function typeOf(schema: Schema | undefined): string {
  if (schema === undefined) return '';
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return `[${name}](#${name.toLowerCase()})`;
  }
  if (schema.enum) return schema.enum.map((v) => (v === null ? 'null' : `\`${JSON.stringify(v)}\``)).join(' | ');
  const parts = schema.allOf ?? schema.anyOf ?? schema.oneOf;
  if (parts)
    return parts
      .map(typeOf)
      .filter(Boolean)
      .join(schema.allOf ? ' and ' : ' or ');
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  return types.map((t) => (t === 'array' ? `array of ${typeOf(schema.items) || 'any'}` : t)).join(' or ') || 'any';
}

/** GitHub's anchor of the operation's heading: lower case, punctuation dropped, spaces to dashes */
const anchor = (method: string, path: string): string =>
  `${method} ${path}`
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');

function renderOperation(method: string, path: string, op: Operation): string {
  const lines = [`### \`${method.toUpperCase()} ${path}\``, ''];
  if (op.summary) lines.push(`${op.summary}.`, '');
  if (op.description) lines.push(op.description, '');
  const auth = op.security && op.security.length > 0 ? 'API key (`X-API-Key`) when keys are configured' : 'none';
  lines.push(`operationId \`${op.operationId ?? ''}\` · authentication: ${auth}`, '');
  if (op.parameters && op.parameters.length > 0) {
    lines.push(
      table(
        ['parameter', 'in', 'required', 'type', 'description'],
        op.parameters.map((p) => [
          `\`${p.name}\``,
          p.in,
          p.required ? 'yes' : 'no',
          typeOf(p.schema),
          p.description ?? p.schema?.description,
        ]),
      ),
      '',
    );
  }
  const body = op.requestBody?.content;
  if (body) {
    lines.push('Request body:', '');
    for (const [type, media] of Object.entries(body))
      lines.push(`- \`${type}\`: ${typeOf(media.schema)}${media.schema?.description ? ` — ${cell(media.schema.description)}` : ''}`);
    lines.push('');
  }
  const responses = Object.entries(op.responses ?? {});
  lines.push(
    table(
      ['status', 'meaning', 'body'],
      responses.map(([status, r]) => [
        status,
        r.description,
        Object.entries(r.content ?? {})
          .map(([type, media]) => `\`${type}\` ${typeOf(media.schema)}`)
          .join('; '),
      ]),
    ),
    '',
  );
  return lines.join('\n');
}

function renderSchema(name: string, schema: Schema): string {
  const lines = [`### ${name}`, ''];
  if (schema.description) lines.push(cell(schema.description), '');
  const objects = [schema, ...(schema.allOf ?? [])].filter((s) => s.properties);
  if (objects.length === 0) {
    lines.push(`Type: ${typeOf(schema)}`, '');
    return lines.join('\n');
  }
  if (schema.allOf) lines.push(`All of: ${schema.allOf.map(typeOf).join(', ')}`, '');
  for (const object of objects) {
    const required = new Set(object.required ?? []);
    lines.push(
      table(
        ['field', 'type', 'required', 'description'],
        Object.entries(object.properties ?? {}).map(([field, s]) => [
          `\`${field}\``,
          typeOf(s),
          required.has(field) ? 'yes' : 'no',
          s.description,
        ]),
      ),
      '',
    );
  }
  return lines.join('\n');
}

export function renderApi(input: Record<string, unknown>): string {
  const doc = input as unknown as Doc;
  const byTag = new Map<string, { method: string; path: string; op: Operation }[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op === undefined) continue;
      const tag = op.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, op }]);
    }
  }
  const out = [
    `Rendered from the OpenAPI ${String((input as { openapi?: string }).openapi)} document every validator serves at \`/openapi.json\``,
    `(${doc.info.title} ${doc.info.version}); browse it at \`/docs\`.`,
    '',
    '## Operations',
    '',
    table(
      ['method and path', 'operationId', 'what'],
      [...byTag.values()]
        .flat()
        .map(({ method, path, op }) => [
          `[\`${method.toUpperCase()} ${path}\`](#${anchor(method, path)})`,
          `\`${op.operationId ?? ''}\``,
          op.summary,
        ]),
    ),
    '',
  ];
  for (const [tag, ops] of byTag) {
    out.push(`## ${tag}`, '');
    for (const { method, path, op } of ops) out.push(renderOperation(method, path, op));
  }
  out.push('## Schemas', '');
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) out.push(renderSchema(name, schema));
  return out.join('\n');
}
