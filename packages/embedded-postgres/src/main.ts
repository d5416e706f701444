#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startEmbeddedPostgres } from './index.js';

/** `vigilo-embedded-postgres --data DIR --port N`: prints one JSON ready line with the URL. */
const { values } = parseArgs({
  options: { data: { type: 'string', default: 'memory://' }, port: { type: 'string', default: '0' } },
});
const pg = await startEmbeddedPostgres({ dataDir: values.data, port: Number(values.port) });
process.stdout.write(`${JSON.stringify({ level: 'info', service: 'embedded-postgres', message: 'listening', port: pg.port, url: pg.url })}\n`);
const stop = () => {
  void pg.stop().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
