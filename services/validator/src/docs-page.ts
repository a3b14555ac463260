/**
 * `/docs`: Swagger UI over `/openapi.json`, its assets served by the validator itself from the swagger-ui-dist package — no CDN,
 * so the page works on a machine without internet (where a validator of card certificates often runs). Only the files the page
 * needs are served, read once on first request and kept in memory.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** the page's assets by the name they are served under (`/docs/assets/{file}`), with their content types */
export const DOCS_ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'init.js': 'text/javascript; charset=utf-8',
};

// a script file rather than an inline one: a Content-Security-Policy without 'unsafe-inline' still shows the page.
// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io
const INIT_JS = `window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', document.baseURI).href,
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
});
`;

// relative URLs: the page works behind a proxy that mounts the API under a path prefix
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>jpki-validator API</title>
  <link rel="stylesheet" href="docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/assets/swagger-ui-bundle.js"></script>
  <script src="docs/assets/init.js"></script>
</body>
</html>
`;

const distDir = (): string => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const cache = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

/** the asset's bytes, or null for a name that is not one of the page's */
export function docsAsset(file: string): Promise<Uint8Array<ArrayBuffer>> | null {
  if (!Object.hasOwn(DOCS_ASSETS, file)) return null;
  let bytes = cache.get(file);
  if (bytes === undefined) {
    bytes =
      file === 'init.js'
        ? Promise.resolve(new TextEncoder().encode(INIT_JS))
        : readFile(join(distDir(), file)).then((b) => new Uint8Array(b));
    // a failed read is not kept: the next request tries again
    bytes.catch(() => cache.delete(file));
    cache.set(file, bytes);
  }
  return bytes;
}
