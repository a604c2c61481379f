#!/usr/bin/env node
// Static, read-only file server for the softmax-wasm playground (node:http only).
//
//   node scripts/serve.mjs [--port N] [--root DIR] [--folder NAME[=DIR]]... [--quiet]
//
// It serves a chosen set of folders of the repository (by default the page, the
// library and the two chart libraries; never .git or the rest of the tree) with
// the MIME types browsers insist on for ES modules and WebAssembly, and with the
// cross-origin isolation headers (COOP/COEP) that SharedArrayBuffer needs.
// It binds 127.0.0.1 only. PORT (env) or --port picks the port; 0 = any free port.
// It prints the page's URL on one line: "softmax-wasm playground: http://...".
//
// As a module: `const srv = await startServer({ port: 0 }); srv.url; await srv.close();`

import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// What the playground needs, as URL prefix -> folder (relative to root unless absolute).
// Keeping the URL layout equal to the repository layout lets web/ use plain relative
// imports (../bindings/browser.js) that also work from any other static server.
export const DEFAULT_FOLDERS = [
  'web',
  'bindings',
  'dist',
  'node_modules/d3/dist',
  'node_modules/@observablehq/plot/dist',
];

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

const SECURITY_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

/** Turns ['web', 'bindings=/tmp/x'] into [{ prefix: '/web/', dir: '/abs/web' }, ...]. */
function resolveFolders(root, folders) {
  return folders
    .map((spec) => {
      const eq = spec.indexOf('=');
      const name = (eq >= 0 ? spec.slice(0, eq) : spec).replace(/^\/+|\/+$/g, '');
      const dir = path.resolve(root, eq >= 0 ? spec.slice(eq + 1) : name);
      if (!name || name.split('/').some((p) => p === '..' || p === '.' || p === '')) {
        throw new Error(`serve: bad folder name "${spec}"`);
      }
      return { prefix: `/${name}/`, dir };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length); // longest prefix wins
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * Maps a URL path onto a file inside one of the served folders, or returns null.
 * Refuses traversal: decoded "..", backslashes, NUL bytes, and symlinks that lead
 * outside the folder.
 */
async function locate(folders, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { status: 400 };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { status: 400 };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { status: 403 };

  const folder = folders.find((f) => decoded === f.prefix.slice(0, -1) || decoded.startsWith(f.prefix));
  if (!folder) return { status: 404 };
  if (decoded === folder.prefix.slice(0, -1)) return { redirect: folder.prefix };

  const rel = decoded.slice(folder.prefix.length);
  let file = path.join(folder.dir, rel);
  if (file !== folder.dir && !file.startsWith(folder.dir + path.sep)) return { status: 403 };

  let real;
  let realDir;
  try {
    [real, realDir] = await Promise.all([fsp.realpath(file), fsp.realpath(folder.dir)]);
  } catch {
    return { status: 404 };
  }
  if (real !== realDir && !real.startsWith(realDir + path.sep)) return { status: 403 };

  let stat = await fsp.stat(real);
  if (stat.isDirectory()) {
    if (!decoded.endsWith('/')) return { redirect: `${decoded}/` };
    file = path.join(real, 'index.html');
    try {
      stat = await fsp.stat(file);
    } catch {
      return { status: 404 };
    }
    real = file;
  }
  if (!stat.isFile()) return { status: 404 };
  return { file: real, size: stat.size };
}

/**
 * Starts the server. Options: root (repository root), folders (see DEFAULT_FOLDERS;
 * "name=dir" serves dir under /name/), port (0 = any free port), host (127.0.0.1),
 * index (where "/" redirects; default "/web/"), log (function or null).
 * Resolves to { server, port, url, close() }.
 */
export async function startServer({
  root = REPO_ROOT,
  folders = DEFAULT_FOLDERS,
  port = Number(process.env.PORT ?? 0),
  host = '127.0.0.1',
  index = '/web/',
  log = null,
} = {}) {
  const mounts = resolveFolders(path.resolve(root), folders);

  const server = http.createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
        return;
      }
      const urlPath = new URL(req.url, 'http://localhost').pathname;
      if (urlPath === '/') {
        send(res, 302, `see ${index}\n`, { Location: index });
        return;
      }
      const found = await locate(mounts, urlPath);
      if (found.redirect) {
        send(res, 301, `see ${found.redirect}\n`, { Location: found.redirect });
      } else if (found.status) {
        const text = { 400: 'bad request', 403: 'forbidden', 404: 'not found' }[found.status];
        send(res, found.status, `${text}\n`);
      } else {
        const type = MIME_TYPES[path.extname(found.file).toLowerCase()] ?? 'application/octet-stream';
        res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': found.size });
        if (req.method === 'HEAD') {
          res.end();
        } else {
          fs.createReadStream(found.file)
            .on('error', () => res.destroy())
            .pipe(res);
        }
      }
      log?.(`${res.statusCode} ${req.method} ${req.url}`);
    } catch (err) {
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
      log?.(`500 ${req.method} ${req.url}: ${err.message}`);
    }
  });

  // Browsers keep connections alive; track them so close() really closes.
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  const url = `http://${host}:${actualPort}${index}`;
  return {
    server,
    port: actualPort,
    url,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

function parseArgs(argv) {
  const opts = { folders: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`serve: ${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port' || a === '-p') opts.port = Number(value());
    else if (a === '--root') opts.root = value();
    else if (a === '--folder') opts.folders.push(value());
    else if (a === '--quiet' || a === '-q') opts.quiet = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else throw new Error(`serve: unknown argument "${a}" (try --help)`);
  }
  if (opts.port === undefined && process.env.PORT) opts.port = Number(process.env.PORT);
  if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port >= 0 && opts.port < 65536)) {
    throw new Error('serve: the port (--port or PORT) must be an integer from 0 to 65535');
  }
  return opts;
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(err.message);
    process.exit(2);
  }
  if (opts.help) {
    console.log(
      'usage: node scripts/serve.mjs [--port N] [--root DIR] [--folder NAME[=DIR]]... [--quiet]\n' +
        `default folders: ${DEFAULT_FOLDERS.join(', ')}; PORT env also sets the port (0 = any free)`,
    );
    process.exit(0);
  }
  const srv = await startServer({
    root: opts.root,
    folders: opts.folders.length ? opts.folders : DEFAULT_FOLDERS,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    log: opts.quiet ? null : (line) => console.log(line),
  });
  // The page needs the wasm build and the chart library; say so now rather than as a 404 later.
  for (const [need, fix] of [
    ['dist/softmax-simd.wasm', 'npm run build'],
    ['bindings/browser.js', 'npm run build'],
    ['node_modules/@observablehq/plot/dist/plot.umd.min.js', 'npm install'],
    ['node_modules/d3/dist/d3.min.js', 'npm install'],
  ]) {
    if (!fs.existsSync(path.join(path.resolve(opts.root ?? REPO_ROOT), need)))
      console.warn(`serve: ${need} is missing (run ${fix})`);
  }
  console.log(`softmax-wasm playground: ${srv.url}`);
  const stop = () => srv.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
