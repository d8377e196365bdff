import { AppError } from '../errors.js';

/** Status code of an Azure SDK RestError, if it is one. */
export function storageStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Storage's error code of an Azure SDK RestError (its `x-ms-error-code`, such as `TableNotFound`), if it has one. */
export function storageErrorCode(error: unknown): string | undefined {
  const code = (error as { details?: { errorCode?: unknown } } | null)?.details?.errorCode;
  return typeof code === 'string' ? code : undefined;
}

/** Turns storage's "the entity changed" (412) and "it already exists" (409) into the API's problems. */
export function mapStorageConflict(error: unknown, messages: { changed?: string; exists?: string } = {}): never {
  const status = storageStatus(error);
  if (status === 412)
    throw new AppError(
      'precondition-failed',
      messages.changed ?? 'The resource changed since you read it; read it again and retry.',
    );
  if (status === 409 && messages.exists) throw new AppError('conflict', messages.exists);
  throw error;
}
