export { OutboxRelay, indexQueueName, queueShardsOf, type OutboxRelayOptions } from './relay.js';
export { RelayLoop } from './loop.js';
export { findDifferences, type Difference } from './antiEntropy.js';
export { repairDifferences, replayDeadLetters, newGeneration } from './repair.js';
export { AntiEntropyJob } from './antiEntropyJob.js';
export { reindexTenant, type ReindexOptions, type ReindexResult } from './reindex.js';
