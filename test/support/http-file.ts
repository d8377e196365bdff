/**
 * Reads and runs a `.http` file the way VS Code's REST Client does, for the parts requests.http
 * uses: `###` separates requests (its text is the title), `@name = value` file variables,
 * `{{name}}` references, request variables (`# @name x`, then `{{x.response.body.$.a.b[0]}}` and
 * `{{x.response.headers.ETag}}`) and `# @no-redirect`. Each request also says the status it
 * expects with a `# expect <status>` comment, which REST Client reads as a plain comment.
 */

export interface HttpFileRequest {
  title: string;
  line: number;
  name?: string;
  expect?: number;
  noRedirect: boolean;
  method: string;
  url: string;
  headers: [string, string][];
  body?: string;
}

export interface HttpFile {
  variables: Map<string, string>;
  /** Names given a value more than once (REST Client silently keeps one of them). */
  duplicates: string[];
  requests: HttpFileRequest[];
}

const requestLine = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\S+)(?:\s+HTTP\/[\d.]+)?$/;
const variableLine = /^@([A-Za-z_][\w-]*)\s*=\s*(.*)$/;

export function parseHttpFile(text: string): HttpFile {
  const variables = new Map<string, string>();
  const duplicates: string[] = [];
  const requests: HttpFileRequest[] = [];
  const lines = text.split(/\r?\n/);
  let i = 0;
  while (i < lines.length) {
    // One block: from a `###` line (or the start of the file) to the next.
    const title = lines[i]!.startsWith('###') ? lines[i]!.replace(/^#+/, '').trim() : '';
    if (lines[i]!.startsWith('###')) i++;
    let name: string | undefined;
    let expected: number | undefined;
    let noRedirect = false;
    let request: HttpFileRequest | undefined;
    for (; i < lines.length && !lines[i]!.startsWith('###'); i++) {
      const line = lines[i]!.trim();
      const variable = variableLine.exec(line);
      const matched = requestLine.exec(line);
      if (variable) {
        if (variables.has(variable[1]!)) duplicates.push(variable[1]!);
        variables.set(variable[1]!, variable[2]!.trim());
      } else if (/^(#|\/\/)/.test(line)) {
        const comment = line.replace(/^(#|\/\/)\s*/, '');
        name = /^@name\s+(\S+)/.exec(comment)?.[1] ?? name;
        if (/^@no-redirect\b/.test(comment)) noRedirect = true;
        const status = /^expect\s+(\d{3})\b/.exec(comment)?.[1];
        if (status) expected = Number(status);
      } else if (matched) {
        request = {
          title,
          line: i + 1,
          ...(name ? { name } : {}),
          ...(expected ? { expect: expected } : {}),
          noRedirect,
          method: matched[1]!,
          url: matched[2]!,
          headers: [],
        };
        i++;
        for (; i < lines.length && lines[i]!.trim() !== '' && !lines[i]!.startsWith('###'); i++) {
          const header = /^([\w-]+):\s*(.*)$/.exec(lines[i]!.trim());
          if (!header) throw new Error(`line ${i + 1}: not a header: ${lines[i]}`);
          request.headers.push([header[1]!, header[2]!]);
        }
        const body: string[] = [];
        for (; i < lines.length && !lines[i]!.startsWith('###'); i++) body.push(lines[i]!);
        const content = body.join('\n').trim();
        if (content) request.body = content;
        break;
      } else if (line !== '') {
        throw new Error(`line ${i + 1}: neither a comment, a variable nor a request: ${line}`);
      }
    }
    if (request) requests.push(request);
  }
  return { variables, duplicates, requests };
}

export interface HttpFileResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** `$.a.b[0]` of a JSON value. */
function jsonPath(value: unknown, path: string): unknown {
  if (!path.startsWith('$')) throw new Error(`not a JSONPath: ${path}`);
  let current = value;
  for (const [, key, index] of path.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key ?? Number(index)];
  }
  return current;
}

/** Replaces every `{{…}}` with the file variable, or the part of a named request's response, it names. */
export function substitute(
  text: string,
  file: HttpFile,
  responses: Map<string, HttpFileResponse>,
  overrides: Record<string, string> = {},
  depth = 0,
): string {
  if (depth > 10) throw new Error(`variables refer to each other in a loop: ${text}`);
  return text.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (_, reference: string) => {
    const fromResponse = /^([\w-]+)\.response\.(body|headers)\.(.+)$/.exec(reference);
    if (fromResponse) {
      const [, name, part, path] = fromResponse as unknown as [string, string, string, string];
      const response = responses.get(name);
      if (!response) throw new Error(`{{${reference}}}: request ${name} has not run (or has no # @name)`);
      const value = part === 'headers' ? response.headers.get(path) : jsonPath(JSON.parse(response.text), path);
      if (value === undefined || value === null) throw new Error(`{{${reference}}}: the response of ${name} has none`);
      return typeof value === 'string' ? value : JSON.stringify(value);
    }
    const value = overrides[reference] ?? file.variables.get(reference);
    if (value === undefined) throw new Error(`{{${reference}}} is not defined`);
    return substitute(value, file, responses, overrides, depth + 1);
  });
}

/**
 * Sends the file's requests in order, as a person clicking "Send Request" on each would,
 * `before` running first each time (e.g. letting queued work finish). `overrides` replace file
 * variables (the host's address). Yields each request with its response.
 */
export async function* runHttpFile(
  file: HttpFile,
  options: { overrides?: Record<string, string>; before?: () => Promise<void> } = {},
): AsyncGenerator<{ request: HttpFileRequest; response: HttpFileResponse }> {
  const responses = new Map<string, HttpFileResponse>();
  const fill = (text: string) => substitute(text, file, responses, options.overrides);
  for (const request of file.requests) {
    await options.before?.();
    const result = await fetch(fill(request.url), {
      method: request.method,
      headers: request.headers.map(([name, value]) => [name, fill(value)]),
      ...(request.body !== undefined ? { body: fill(request.body) } : {}),
      redirect: request.noRedirect ? 'manual' : 'follow',
    });
    const response = { status: result.status, headers: result.headers, text: await result.text() };
    if (request.name) responses.set(request.name, response);
    yield { request, response };
  }
}
