import { type Resolved, type SettingsSpec, redactConfig } from './config.js';
import { type Logger, createLogger } from './logger.js';

/** Exit status of a process whose configuration is unusable (sysexits.h EX_CONFIG). */
export const EX_CONFIG = 78;

/**
 * The first step of every service's composition root: loads and validates the settings once (all problems at
 * once), creates the logger at the configured level, logs the effective settings with secrets redacted, and
 * checks the settings the service cannot start without. Any problem ends the process with EX_CONFIG and a message
 * naming the variables, never a stack trace.
 */
export function loadServiceConfig<S extends SettingsSpec, C extends Resolved<S> & { readonly logLevel: string }, K extends keyof S & keyof C = never>(options: {
  readonly name: string;
  readonly settings: S;
  readonly load: (env: NodeJS.ProcessEnv) => C;
  /** Settings without a default that this service cannot start without; an empty value counts as missing. */
  readonly required?: readonly K[];
  readonly env?: NodeJS.ProcessEnv;
}): { readonly config: C & { readonly [P in K]-?: NonNullable<C[P]> }; readonly logger: Logger } {
  let config: C;
  try {
    config = options.load(options.env ?? process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(EX_CONFIG);
  }
  const logger = createLogger({ name: options.name, level: config.logLevel });
  logger.info({ config: redactConfig(options.settings, config) }, 'starting');
  const missing = (options.required ?? [])
    .filter((key) => {
      const value: unknown = config[key];
      return value === undefined || value === null || value === '';
    })
    .map((key) => options.settings[key]!.env);
  if (missing.length > 0) {
    logger.fatal({ missing }, 'required settings are missing');
    process.exit(EX_CONFIG);
  }
  return { config: config as C & { readonly [P in K]-?: NonNullable<C[P]> }, logger };
}
