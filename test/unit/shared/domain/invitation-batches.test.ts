import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import {
  batchCsvParseOptions,
  batchSharedSchema,
  givenCells,
  previewBatch,
  rowProblemSentence,
} from '../../../../shared/domain/invitation-batches.js';

/**
 * The rows a partner checks before sending a CSV: the same rules the API applies to each row, and
 * every problem in a sentence naming the column, never in the validator's words.
 */
const shared = batchSharedSchema.parse({
  relationshipType: 'delegatedAdministrator',
  roles: ['729827e3-9c14-49f7-bb1b-9608f156bbb8'],
  duration: 'P90D',
});
const tenant = '6f1c2b4e-7a55-4d1e-9c0a-0d8e5f3b2a10';

const readCsv = (text: string) => parse<Record<string, string>>(text, batchCsvParseOptions).map(givenCells);

describe('previewBatch', () => {
  it('reads a template file and finds each bad row with its column, the good rows without a problem', () => {
    const rows = readCsv(
      [
        '\uFEFFcustomerTenantId,customerDomain,customerAdminEmail',
        `${tenant},,admin@contoso.test`,
        ',fabrikam.test,admin@fabrikam.test',
        '',
        `${tenant},,not an email`,
        ',,admin@nobody.test',
        `${tenant},fabrikam.test,admin@both.test`,
      ].join('\r\n'),
    );
    const preview = previewBatch(rows, shared);
    expect(preview.map((p) => [p.row, p.problem?.field])).toEqual([
      [1, undefined],
      [2, undefined],
      [3, 'customerAdminEmail'],
      [4, 'customerTenantId'],
      [5, 'customerTenantId'],
    ]);
    expect(preview[1]?.input).toEqual({ customerDomain: 'fabrikam.test', customerAdminEmail: 'admin@fabrikam.test' });
  });

  it('names a column the template does not have', () => {
    const [row] = previewBatch([{ customerTenantId: tenant, customerAdminEmail: 'a@b.test', phone: '1' }], shared);
    expect(row?.problem?.field).toBe('phone');
    expect(row?.problem && rowProblemSentence(row.problem)).toBe(
      'The column “phone” is not one of the template’s: keep only customerTenantId, customerDomain, customerAdminEmail.',
    );
  });
});

describe('rowProblemSentence', () => {
  it('says what to put in the column, never the validator’s words', () => {
    const rows = previewBatch(
      [
        { customerTenantId: 'not-a-tenant', customerAdminEmail: 'admin@contoso.test' },
        { customerDomain: 'not a domain', customerAdminEmail: 'admin@contoso.test' },
        { customerTenantId: tenant, customerAdminEmail: 'nobody' },
      ],
      shared,
    );
    const sentences = rows.map((r) => (r.problem ? rowProblemSentence(r.problem) : ''));
    expect(sentences[0]).toMatch(/^Enter the customer’s Microsoft Entra tenant ID in customerTenantId/);
    expect(sentences[1]).toMatch(/^Enter the customer’s domain in customerDomain/);
    expect(sentences[2]).toMatch(/^Enter the email address of an administrator at the customer in customerAdminEmail/);
    for (const sentence of sentences) expect(sentence).not.toMatch(/Invalid|expected|must|give exactly/);
  });

  it('keeps the service’s own sentence for a problem of the whole row', () => {
    const message = 'The invitation could not be created. Send this row again.';
    expect(rowProblemSentence({ field: '(row)', message })).toBe(message);
  });
});
