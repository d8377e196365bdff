import { fieldMessage } from './field-messages.js';

/**
 * What a person reads when the API refused or failed a request from a page: a sentence written for
 * each kind of problem (its problem type), never the problem's `detail`, which is written for
 * developers ("The request body has 2 invalid fields: roles, duration."). Pages that know better
 * (a 403 naming who may do it, a field's own message) say that instead. Pure: app.js bundles it.
 */
/** How the API's problem types begin (`shared/http/problem.ts` names each kind after it). */
export const problemTypePrefix = 'urn:problem-type:partner-relationships:';

const sentences: Record<string, string> = {
  'malformed-body': 'The page sent something the service could not read. Reload the page and try again.',
  unauthorized: 'Your sign-in has ended. Sign in again, then try again.',
  forbidden: 'Your account may not do this. Ask an administrator of your organization.',
  'cross-site': 'This request did not come from this site’s own page. Reload the page and try again.',
  'not-found': 'It is no longer there: someone may have removed it. Reload the page to see what is there now.',
  'method-not-allowed': 'The page asked for something the service does not do. Reload the page and try again.',
  conflict:
    'This cannot be done in the state it is in now, which may have changed since the page loaded. Reload the page to see where it stands.',
  'tenant-change': 'This partner’s organization can only be changed by the operators’ own procedure.',
  'already-decided': 'This invitation was already accepted or declined. Reload the page to see how it was decided.',
  'agreement-version-changed':
    'The Customer Agreement changed since the page loaded. Reload the page and read the new version before you accept it.',
  'idempotency-key-reused': 'This request was already sent with other details. Reload the page and try again.',
  'termination-already-requested': 'Termination of this relationship was already requested; the partner has been told.',
  'relationship-ended': 'This relationship has ended, so it can no longer be changed.',
  gone: 'This is no longer available.',
  'precondition-failed':
    'Someone changed this after the page loaded, so your change was not made. Reload the page, check it and make your change again.',
  'precondition-required': 'Reload the page and make your change again.',
  'payload-too-large': 'What you sent is too large. Send less at a time.',
  'unsupported-media-type': 'The page sent something the service could not read. Reload the page and try again.',
  'headers-too-large': 'The address or what your browser sent with it is too long. Reload the page and try again.',
  'rate-limited': 'Too many requests were sent from here in a short time. Wait a few minutes, then try again.',
  internal: 'Something went wrong on our side. Try again in a few minutes.',
  unavailable: 'The service is busy or briefly unavailable. Try again in a few minutes.',
};

/** By status, for an answer without a problem type of ours (a proxy's, say). */
function sentenceOfStatus(status: number): string {
  if (status === 0) return 'The service could not be reached. Check your connection and try again.';
  if (status === 401) return sentences.unauthorized ?? '';
  if (status === 403) return sentences.forbidden ?? '';
  if (status === 404) return sentences['not-found'] ?? '';
  if (status === 409) return sentences.conflict ?? '';
  if (status === 412) return sentences['precondition-failed'] ?? '';
  if (status === 429) return sentences['rate-limited'] ?? '';
  if (status >= 500) return sentences.unavailable ?? '';
  return 'The service refused the request. Reload the page and try again.';
}

/** The sentence for a problem (RFC 9457) as the API answers it; a refused field's sentence names its field. */
export function problemSentence(problem: {
  status: number;
  type?: string;
  errors?: readonly { path: string }[];
}): string {
  const kind = problem.type?.startsWith(problemTypePrefix) ? problem.type.slice(problemTypePrefix.length) : undefined;
  if (problem.errors && problem.errors.length > 0) {
    const fields = new Map(problem.errors.map((e) => fieldMessage(e.path)).map((f) => [f.message, f]));
    return [...fields.values()].map((f) => `${f.label}: ${f.message}`).join(' ');
  }
  if (kind === 'validation') return 'Something on the page needs fixing. Reload the page and try again.';
  return (kind ? sentences[kind] : undefined) ?? sentenceOfStatus(problem.status);
}
