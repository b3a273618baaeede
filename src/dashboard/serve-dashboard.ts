// The dashboard's static files under /ui/: a page, its ES modules and the two libraries it imports
// (preact, htm) straight from node_modules — no build step. These are served to anonymous clients,
// as upstream serves only public-info endpoints anonymously: they hold no cluster data. The page
// itself calls the API with the bearer token the user signs in with, so RBAC limits what it shows.
//
// Every file is read once at start-up into memory and looked up by exact path, so no request path
// ever reaches the filesystem (no traversal to guard against).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the dashboard lives on the API server's port. */
export const DASHBOARD_PATH = '/ui/';

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function asset(body: Buffer | string, type: string): Asset {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return { body: b, type, etag: `"${createHash('sha256').update(b).digest('base64url').slice(0, 22)}"` };
}

function staticFiles(dir: string, into: Map<string, Asset>): void {
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const ext = name.slice(name.lastIndexOf('.'));
        const type = TYPES[ext];
        if (type && name !== 'index.html') into.set(`${DASHBOARD_PATH}${relative(dir, full).split(sep).join('/')}`, asset(readFileSync(full), type));
      }
    }
  };
  walk(dir);
}

/** The libraries the page imports by bare name, resolved from this package's node_modules. */
function vendorFiles(into: Map<string, Asset>): Record<string, string> {
  // The packages' CommonJS entry points sit beside their ES module builds (`*.module.js`).
  const require = createRequire(import.meta.url);
  const esm = (specifier: string): string => require.resolve(specifier).replace(/\.js$/, '.module.js');
  const files: Record<string, string> = { preact: esm('preact'), 'preact/hooks': esm('preact/hooks'), htm: esm('htm') };
  const imports: Record<string, string> = {};
  for (const [specifier, file] of Object.entries(files)) {
    const path = `${DASHBOARD_PATH}vendor/${specifier.replace('/', '-')}.js`;
    into.set(path, asset(readFileSync(file), TYPES['.js']!));
    imports[specifier] = path;
  }
  return imports;
}

export interface Dashboard {
  /** True when the request was for the dashboard and has been answered. */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): boolean;
}

export function loadDashboard(): Dashboard {
  const assets = new Map<string, Asset>();
  // The static files stay in src/ (the TypeScript build copies nothing): found from the package root,
  // whether this module runs from src/dashboard/ or from the compiled dist/dashboard/.
  const staticDir = fileURLToPath(new URL('../../src/dashboard/static/', import.meta.url));
  staticFiles(staticDir, assets);
  const importMap = JSON.stringify({ imports: vendorFiles(assets) });
  // Every module is announced up front, so the browser fetches them in parallel instead of
  // discovering them import by import (one round trip per level of the import graph).
  const preloads = [...assets.keys()]
    .filter((p) => p.endsWith('.js'))
    .map((p) => `<link rel="modulepreload" href="${p}">`)
    .join('\n');
  const page = readFileSync(join(staticDir, 'index.html'), 'utf8').replace('{{IMPORT_MAP}}', importMap).replace('{{MODULE_PRELOADS}}', preloads);
  const index = asset(page, TYPES['.html']!);
  // The inline import map is the only inline script; the policy allows exactly it by hash.
  const mapHash = createHash('sha256').update(importMap).digest('base64');
  const csp = `default-src 'self'; script-src 'self' 'sha256-${mapHash}'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'`;
  return {
    serve(req, res, pathname) {
      if (pathname !== '/ui' && !pathname.startsWith(DASHBOARD_PATH)) return false;
      if (pathname === '/ui') {
        res.writeHead(301, { Location: DASHBOARD_PATH });
        res.end();
        return true;
      }
      const method = req.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('method not allowed\n');
        return true;
      }
      const a = pathname === DASHBOARD_PATH || pathname === `${DASHBOARD_PATH}index.html` ? index : assets.get(pathname);
      if (!a) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('not found\n');
        return true;
      }
      const headers = {
        'Content-Type': a.type,
        ETag: a.etag,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Content-Security-Policy': csp,
      };
      if (req.headers['if-none-match'] === a.etag) {
        res.writeHead(304, headers);
        res.end();
        return true;
      }
      res.writeHead(200, { ...headers, 'Content-Length': a.body.length });
      res.end(method === 'HEAD' ? undefined : a.body);
      return true;
    },
  };
}
