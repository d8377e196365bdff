/** The API as the pages call it: JSON in and out, problems (RFC 9457) as ApiError. */
export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  status: number;
  title: string;
  detail: string;
  errors?: FieldError[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
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
    throw new ApiError({
      status: 0,
      title: 'No connection',
      detail: 'The service could not be reached. Check your connection and try again.',
    });
  }
  const text = await response.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const problem = data as Partial<Problem> | undefined;
    throw new ApiError({
      status: response.status,
      title: problem?.title ?? response.statusText,
      detail: problem?.detail ?? `The service answered ${response.status}.`,
      ...(problem?.errors ? { errors: problem.errors } : {}),
    });
  }
  return { status: response.status, data: data as T, etag: response.headers.get('etag') };
}
