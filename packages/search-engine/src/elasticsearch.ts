import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { Client } from '@elastic/elasticsearch';
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

/** Credentials for Elasticsearch: basic, an API key (encoded, or id and key) or a bearer token. */
export type ElasticsearchAuth =
  | { readonly username: string; readonly password: string }
  | { readonly apiKey: string | { readonly id: string; readonly api_key: string } }
  | { readonly bearer: string };

export interface ElasticsearchSearchIndexOptions extends IndexDefaultsOptions {
  /** The cluster's HTTP endpoint(s), e.g. `https://es.internal:9200`. Requests are balanced over them. */
  readonly node: string | readonly string[];
  /** Credentials. @default none (an unsecured test node) */
  readonly auth?: ElasticsearchAuth;
  /** Time limit of one request in milliseconds, retries excluded. @default 30000 */
  readonly requestTimeoutMs?: number;
  /**
   * Retries of one request on a connection error, timeout or 502/503/504, by the client. Safe for
   * `_bulk`: writes are external-versioned, so a replayed item is at worst `stale`. @default 3
   */
  readonly maxRetries?: number;
  /** SHA-256 fingerprint of the CA that signed the server's certificate (Elasticsearch's own TLS setup). @default none */
  readonly caFingerprint?: string;
  /** Node TLS options (CA bundle, client certificate). @default Node's defaults */
  readonly tls?: TlsConnectionOptions;
}

/** The Elasticsearch half of an adapter: requests through `@elastic/elasticsearch` 9's transport. */
export function elasticsearchConnection(client: Client): EngineConnection {
  return {
    engine: 'elasticsearch',
    async send(request: EngineRequest): Promise<EngineResponse> {
      const result = await client.transport.request(
        transportParams(request),
        { meta: true, ...(request.ignore === undefined ? {} : { ignore: [...request.ignore] }) },
      );
      return { statusCode: result.statusCode, body: result.body };
    },
    close: () => client.close(),
  };
}

export interface ElasticsearchSearchIndexDeps extends IndexDefaultsOptions {
  /** The client; the adapter owns it from now on (`close()` closes it). */
  readonly client: Client;
}

/** SearchIndex on Elasticsearch 9 (`@elastic/elasticsearch` 9.x). */
export class ElasticsearchSearchIndex extends EngineSearchIndex {
  constructor(deps: ElasticsearchSearchIndexDeps) {
    const { client, ...indexDefaults } = deps;
    super({ connection: elasticsearchConnection(client), indexDefaults });
  }
}

/** Defaults of the Elasticsearch client options the factory sets. */
export const ELASTICSEARCH_DEFAULTS = Object.freeze({ requestTimeoutMs: 30_000, maxRetries: 3 });

/**
 * An ElasticsearchSearchIndex with its own client. No request is made until the first call.
 * Throws VIG_CONFIG_INVALID for invalid options.
 */
export function createElasticsearchSearchIndex(options: ElasticsearchSearchIndexOptions): ElasticsearchSearchIndex {
  const { node, auth, requestTimeoutMs, maxRetries, caFingerprint, tls, ...indexDefaults } = options;
  checkClientOptions(options);
  resolveIndexSettings(indexDefaults);
  const client = new Client({
    node: typeof node === 'string' ? node : [...node],
    requestTimeout: requestTimeoutMs ?? ELASTICSEARCH_DEFAULTS.requestTimeoutMs,
    maxRetries: maxRetries ?? ELASTICSEARCH_DEFAULTS.maxRetries,
    ...(auth === undefined ? {} : { auth: structuredClone(auth) as NonNullable<ConstructorParameters<typeof Client>[0]['auth']> }),
    ...(caFingerprint === undefined ? {} : { caFingerprint }),
    ...(tls === undefined ? {} : { tls }),
  });
  return new ElasticsearchSearchIndex({ client, ...indexDefaults });
}
