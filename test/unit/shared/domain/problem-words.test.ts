import { describe, expect, it } from 'vitest';
import { fieldMessage } from '../../../../shared/domain/field-messages.js';
import { problemSentence } from '../../../../shared/domain/problem-words.js';
import { problemTypes } from '../../../../shared/http/problem.js';

/** What a developer's problem text looks like; a person's sentence has none of it. */
const developerWording = /expected|Invalid|>=|<=|If-Match|Idempotency|request body|\b\w+\.\d+\b|problem|status \d/i;

describe('what a page says when the API refuses or fails', () => {
  it('has a sentence for every problem type the API answers with, written for a person', () => {
    for (const { type, status, title } of problemTypes) {
      const sentence = problemSentence({ type, status });
      expect(sentence, type).toMatch(/^[A-Z].+\.$/);
      expect(sentence, type).not.toMatch(developerWording);
      expect(sentence, type).not.toBe(title);
    }
  });

  it('says each refused field in its own sentence with its label, once, whatever the validator wrote', () => {
    const sentence = problemSentence({
      type: 'urn:problem-type:partner-relationships:validation',
      status: 400,
      errors: [{ path: 'roles.2' }, { path: 'roles.0' }, { path: 'duration' }],
    });
    expect(sentence).toBe(
      `Admin roles: ${fieldMessage('roles').message} Duration: ${fieldMessage('duration').message}`,
    );
    expect(sentence).not.toMatch(developerWording);
  });

  it('falls back on the status for an answer that is not one of ours (a proxy in between), and says when the service is out of reach', () => {
    expect(problemSentence({ status: 502 })).toBe(
      'The service is busy or briefly unavailable. Try again in a few minutes.',
    );
    expect(problemSentence({ status: 412 })).toMatch(/^Someone changed this after the page loaded/);
    expect(problemSentence({ status: 0 })).toBe(
      'The service could not be reached. Check your connection and try again.',
    );
    expect(problemSentence({ status: 418 })).not.toMatch(developerWording);
  });
});
