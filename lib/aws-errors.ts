/**
 * Turns AWS SDK failures into freshlake errors with one line that says what to do. The SDK's own
 * messages are accurate but name no next step ("Could not load credentials from any providers").
 * Shared by the Athena engine and the CLI's Glue/CloudFormation calls.
 */
import { FreshlakeError, QueryError, RemoteError, UsageError } from './errors';

/** Error names of the AWS SDK v3 and the services for missing, rejected or expired credentials. */
const CREDENTIALS_MISSING = new Set(['CredentialsProviderError', 'TokenProviderError']);
const CREDENTIALS_REJECTED = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'IncompleteSignature', 'MissingAuthenticationToken']);
const CREDENTIALS_EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError']);
const THROTTLED = new Set(['ThrottlingException', 'TooManyRequestsException', 'Throttling', 'RequestLimitExceeded']);

const CREDENTIALS_HINT = 'configure AWS credentials (aws configure, aws sso login, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) or pass --profile <name>';

/**
 * Wraps an error thrown by an AWS SDK call.
 * @param action the IAM action of the call, e.g. `athena:StartQueryExecution`, named in access-denied messages
 */
export function awsCallError(error: unknown, action: string): FreshlakeError {
  if (error instanceof FreshlakeError) return error;
  const name = (error as { name?: string })?.name ?? '';
  const message = firstLine((error as { message?: string })?.message ?? String(error));
  if (CREDENTIALS_MISSING.has(name)) {
    return new RemoteError(`No usable AWS credentials (${message}): ${CREDENTIALS_HINT}.`, { cause: error });
  }
  if (CREDENTIALS_EXPIRED.has(name)) {
    return new RemoteError(`AWS credentials have expired (${name}): refresh them (aws sso login, new session token) or pass --profile <name>.`, { cause: error });
  }
  if (CREDENTIALS_REJECTED.has(name)) {
    return new RemoteError(`AWS rejected the credentials (${name}): ${CREDENTIALS_HINT}.`, { cause: error });
  }
  if (ACCESS_DENIED.has(name)) {
    return new RemoteError(`Access denied for ${action}: grant ${action} to the caller, or pass --profile with a role that has it (AWS said: ${message}).`, { cause: error });
  }
  if (THROTTLED.has(name)) {
    return new RemoteError(`${action} was throttled beyond the SDK's retries (${name}); wait a moment and run again.`, { cause: error });
  }
  if (/Region is missing/i.test(message)) {
    return new UsageError('No AWS region: pass --region <region>, set AWS_REGION, or set a region in the profile.', { cause: error });
  }
  // Athena rejects some bad SQL (and parameter count mismatches) at StartQueryExecution.
  if (name === 'InvalidRequestException' && action.startsWith('athena:')) {
    return new QueryError(`Athena rejected the query: ${message}`, { cause: error });
  }
  if (name === 'TimeoutError' || name === 'NetworkingError' || /ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN/.test(message)) {
    return new RemoteError(`Could not reach AWS for ${action} (${message}); check the network and --region.`, { cause: error });
  }
  return new RemoteError(`${action} failed: ${name && name !== 'Error' ? `${name}: ` : ''}${message}`, { cause: error });
}

/** Runs one AWS call and translates its failure. */
export async function callAws<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw awsCallError(error, action);
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}
