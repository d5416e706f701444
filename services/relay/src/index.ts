export { OutboxRelay, indexQueueName, type OutboxRelayOptions } from './relay.js';
