import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Express, type Request, type Response, express } from '@vigilo/platform';

/** Where the analyst page is served. */
export const WEB_PREFIX = '/app';

/**
 * The page's own policy: its scripts and styles come from this origin only (Plot writes inline style attributes
 * on its SVG), and it talks to this origin only. Every other answer of the proxy keeps `default-src 'none'`.
 */
export const WEB_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Built file names under `assets/` carry a content hash, so they can be cached for a year. */
const HASHED_ASSET = /^\/assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

/**
 * Serves the built analyst page (web/analyst, `vite build`) from `root` under `/app/`, with `/` redirecting
 * there. Unknown paths under `/app/` get `index.html` so that links into the page work; files never leave
 * `root` (serve-static refuses `..` and dot files).
 */
export function mountWebApp(app: Express, root: string): void {
  const index = path.join(root, 'index.html');
  if (!existsSync(index)) throw new Error(`the web root ${root} has no index.html: build the page (scripts/lib/common.sh ensure_web)`);
  const policy = (res: Response) => res.setHeader('Content-Security-Policy', WEB_CONTENT_SECURITY_POLICY);
  app.get('/', (_req, res) => res.redirect(302, `${WEB_PREFIX}/`));
  app.use(
    WEB_PREFIX,
    express.static(root, {
      index: 'index.html',
      dotfiles: 'ignore',
      redirect: true,
      fallthrough: true,
      setHeaders: (res, filePath) => {
        policy(res);
        const relative = `/${path.relative(root, filePath).split(path.sep).join('/')}`;
        res.setHeader('Cache-Control', HASHED_ASSET.test(relative) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    }),
  );
  app.get(`${WEB_PREFIX}/*rest`, (req: Request, res: Response, next) => {
    // Missing built files stay 404s; page routes get the page.
    if (req.path.startsWith(`${WEB_PREFIX}/assets/`)) {
      next();
      return;
    }
    policy(res);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}
