import { type ErrorCode, specOf } from './registry.js';

/**
 * Structured, PII-free facts about an error. Only identifiers and counts go
 * here (tenant id, report id, JSON pointers), never field values.
 */
export type ErrorFields = Readonly<Record<string, string | number | boolean | readonly unknown[] | undefined>>;

/** One violation of an input rule, addressed by RFC 6901 JSON pointer. */
export interface FieldViolation {
  readonly pointer: string;
  readonly code: ErrorCode;
  readonly detail: string;
}

export interface VigiloErrorOptions {
  cause?: unknown;
  fields?: ErrorFields;
  violations?: readonly FieldViolation[];
}

/** Base of every error the platform raises on purpose. */
export class VigiloError extends Error {
  readonly code: ErrorCode;
  readonly fields: ErrorFields;
  readonly violations: readonly FieldViolation[];

  constructor(code: ErrorCode, message: string, options: VigiloErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.fields = Object.freeze({ ...(options.fields ?? {}) });
    this.violations = Object.freeze([...(options.violations ?? [])]);
  }

  get status(): number {
    return specOf(this.code).status;
  }

  get retryable(): boolean {
    return specOf(this.code).retryable;
  }
}

function defineError<N extends string>(name: N, defaultCode: ErrorCode) {
  const cls = class extends VigiloError {
    constructor(message: string, options: VigiloErrorOptions & { code?: ErrorCode } = {}) {
      super(options.code ?? defaultCode, message, options);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

/** The caller sent something invalid. */
export const InputError = defineError('InputError', 'VIG_REQUEST_INVALID_PARAMETER');
export type InputError = InstanceType<typeof InputError>;
/** A named thing does not exist (or the caller may not know it exists). */
export const NotFoundError = defineError('NotFoundError', 'VIG_NOT_FOUND');
export type NotFoundError = InstanceType<typeof NotFoundError>;
/** The request conflicts with stored state. */
export const ConflictError = defineError('ConflictError', 'VIG_INGEST_VERSION_CONFLICT');
export type ConflictError = InstanceType<typeof ConflictError>;
/** The caller is authenticated but lacks a permission. */
export const NotAllowedError = defineError('NotAllowedError', 'VIG_FORBIDDEN_SCOPE');
export type NotAllowedError = InstanceType<typeof NotAllowedError>;
/** The caller is not authenticated. */
export const AuthenticationError = defineError('AuthenticationError', 'VIG_AUTH_REQUIRED');
export type AuthenticationError = InstanceType<typeof AuthenticationError>;
/** A dependency is down or overloaded; retrying later may work. */
export const UnavailableError = defineError('UnavailableError', 'VIG_UNAVAILABLE');
export type UnavailableError = InstanceType<typeof UnavailableError>;

/** Duck-typed check, so errors crossing package copies are still recognised. */
export function isVigiloError(error: unknown): error is VigiloError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    (error as { code: string }).code.startsWith('VIG_') &&
    Array.isArray((error as { violations?: unknown }).violations)
  );
}
