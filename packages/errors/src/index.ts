export { ERROR_CODES, type ErrorCode, type ErrorCodeSpec, isErrorCode, specOf } from './registry.js';
export {
  VigiloError,
  InputError,
  NotFoundError,
  ConflictError,
  NotAllowedError,
  AuthenticationError,
  UnavailableError,
  isVigiloError,
  type ErrorFields,
  type FieldViolation,
  type VigiloErrorOptions,
} from './errors.js';
export {
  toProblem,
  fromProblem,
  problemTypeFor,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
  type ProblemDocument,
  type ToProblemOptions,
} from './problem.js';
