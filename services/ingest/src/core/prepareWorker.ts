import { parentPort } from 'node:worker_threads';
import { prepareLine } from './ingest.js';

// Worker thread of WorkerLinePreparer: one message per batch of bulk lines, answered with their prepared forms.
parentPort!.on('message', (message: { id: number; texts: string[] }) => {
  parentPort!.postMessage({ id: message.id, lines: message.texts.map(prepareLine) });
});
