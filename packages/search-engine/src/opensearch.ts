import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { Client } from '@opensearch-project/opensearch';
import {
  type EngineConnection,
  type EngineRequest,
  type EngineResponse,
  EngineSearchIndex,
  type IndexDefaultsOptions,
  checkClientOptions,
  resolveIndexSettings,
  transportParams,
} from './engine.js';

/** Credentials for OpenSearch (basic authentication, as the security plugin's internal users). */
export interface OpenSearchAuth {
  readonly username: string;
  readonly password: string;
}

export interface OpenSearchSearchIndexOptions extends IndexDefaultsOptions {
  /** The cluster's HTTP endpoint(s), e.g. `https://opensearch.internal:9200`. Requests are balanced over them. */
  readonly node: string | readonly string[];
  /** Credentials. @default none (an unsecured test node) */
  readonly auth?: OpenSearchAuth;
  /** Time limit of one request in milliseconds, retries excluded. @default 30000 */
  readonly requestTimeoutMs?: number;
  /**
   * Retries of one request on a connection error, timeout or 502/503/504, by the client. Safe for
   * `_bulk`: writes are external-versioned, so a replayed item is at worst `stale`. @default 3
   */
  readonly maxRetries?: number;
  /** Node TLS options (CA bundle, client certificate). @default Node's defaults */
  readonly tls?: TlsConnectionOptions;
}

/** The OpenSearch half of an adapter: requests through `@opensearch-project/opensearch`'s transport. */
export function openSearchConnection(client: Client): EngineConnection {
  return {
    engine: 'opensearch',
    async send(request: EngineRequest): Promise<EngineResponse> {
      const result = await client.transport.request(
        transportParams(request),
        request.ignore === undefined ? {} : { ignore: [...request.ignore] },
      );
      return { statusCode: result.statusCode ?? 0, body: result.body as unknown };
    },
    close: () => client.close(),
  };
}

export interface OpenSearchSearchIndexDeps extends IndexDefaultsOptions {
  /** The client; the adapter owns it from now on (`close()` closes it). */
  readonly client: Client;
}

/** SearchIndex on OpenSearch 2 (`@opensearch-project/opensearch`). */
export class OpenSearchSearchIndex extends EngineSearchIndex {
  constructor(deps: OpenSearchSearchIndexDeps) {
    const { client, ...indexDefaults } = deps;
    super({ connection: openSearchConnection(client), indexDefaults });
  }
}

/** Defaults of the OpenSearch client options the factory sets. */
export const OPENSEARCH_DEFAULTS = Object.freeze({ requestTimeoutMs: 30_000, maxRetries: 3 });

/**
 * An OpenSearchSearchIndex with its own client. No request is made until the first call.
 * Throws VIG_CONFIG_INVALID for invalid options.
 */
export function createOpenSearchSearchIndex(options: OpenSearchSearchIndexOptions): OpenSearchSearchIndex {
  const { node, auth, requestTimeoutMs, maxRetries, tls, ...indexDefaults } = options;
  checkClientOptions(options);
  resolveIndexSettings(indexDefaults);
  const client = new Client({
    node: typeof node === 'string' ? node : [...node],
    requestTimeout: requestTimeoutMs ?? OPENSEARCH_DEFAULTS.requestTimeoutMs,
    maxRetries: maxRetries ?? OPENSEARCH_DEFAULTS.maxRetries,
    ...(auth === undefined ? {} : { auth: { username: auth.username, password: auth.password } }),
    ...(tls === undefined ? {} : { ssl: tls }),
  });
  return new OpenSearchSearchIndex({ client, ...indexDefaults });
}
