import { problemSentence } from '../shared/domain/problem-words.js';

/** The API as the pages call it: JSON in and out, problems (RFC 9457) as ApiError. */
export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  status: number;
  type?: string;
  title: string;
  detail: string;
  errors?: FieldError[];
}

/**
 * A refused or failed request. Its `message` is the sentence a person reads (pages show it); the
 * problem's `detail` is written for developers and stays in `problem`.
 */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problemSentence(problem));
    this.name = 'ApiError';
  }
  get status(): number {
    return this.problem.status;
  }
}

export interface ApiResponse<T> {
  status: number;
  data: T;
  etag: string | null;
}

const noConnection = () =>
  new ApiError({
    status: 0,
    title: 'No connection',
    detail: 'The service could not be reached. Check your connection and try again.',
  });

export async function api<T>(
  path: string,
  options: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch {
    throw noConnection();
  }
  const data = jsonOf(await response.text());
  if (!response.ok) throw problemOf(response, data);
  return { status: response.status, data: data as T, etag: response.headers.get('etag') };
}

function jsonOf(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** A failed answer as ApiError: its problem (RFC 9457), or the status alone when the body is none. */
function problemOf(response: Response, data: unknown): ApiError {
  const problem = data as Partial<Problem> | undefined;
  return new ApiError({
    status: response.status,
    ...(typeof problem?.type === 'string' ? { type: problem.type } : {}),
    title: problem?.title ?? response.statusText,
    detail: problem?.detail ?? `The service answered ${response.status}.`,
    ...(problem?.errors ? { errors: problem.errors } : {}),
  });
}

/** A file the API answers (an export), with the name its `Content-Disposition` gives. */
export async function download(
  path: string,
  options: { token: string; accept: string },
): Promise<{ blob: Blob; filename: string }> {
  let response: Response;
  try {
    response = await fetch(path, { headers: { Accept: options.accept, Authorization: `Bearer ${options.token}` } });
  } catch {
    throw noConnection();
  }
  if (!response.ok) throw problemOf(response, jsonOf(await response.text()));
  const named = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '');
  return { blob: await response.blob(), filename: named?.[1] ?? 'export.csv' };
}
