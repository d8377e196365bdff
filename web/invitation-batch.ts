import { parse } from 'csv-parse/browser/esm/sync';
import type { z } from 'zod';
import { maxBatchRows } from '../shared/domain/batches.js';
import {
  batchCsvParseOptions,
  batchSharedSchema,
  checkBatch,
  givenCells,
  previewBatch,
  rowProblemSentence,
  type RowPreview,
} from '../shared/domain/invitation-batches.js';
import type { invitationBatchViewSchema } from '../shared/domain/views.js';
import { api, ApiError, download } from './api.js';
import { save } from './export.js';
import { focus, formatDateTime, h, notice, show } from './dom.js';
import { fieldProblems, messageBar, progressBar, type FieldProblem } from './page-parts.js';
import { copyableLink, openPartnerWorkspace, type PartnerWorkspace } from './partner-workspace.js';

/**
 * Inviting many customers at once (a chunk of its own, loaded when the Invite page's Many
 * customers is chosen, and by the batch's page): the CSV template, the file with a preview of its
 * rows checked by the API's own rules (shared/domain/invitation-batches.ts), and the batch's page
 * (/partner/invitations/batches/{id}) following its progress to the per-row results.
 */
type Batch = z.infer<typeof invitationBatchViewSchema>;

const fileLabel = 'CSV file of customers';
const fileProblem = (message: string): FieldProblem => ({ key: 'batch-file', label: fileLabel, message });

/** A cell of a row as the file has it. */
const cell = (input: Record<string, unknown>, column: string): string => {
  const value = input[column];
  return typeof value === 'string' ? value : '';
};

/**
 * A batch's rows (the file's before sending, the results after), under the heading `headingId`;
 * the last column says how each row stands. The rows scroll sideways on a narrow screen, by
 * keyboard too (the region takes the focus).
 */
function rowsTable(
  headingId: string,
  lastColumn: string,
  rows: { row: number; customer: string; email: string; result: Node | string }[],
): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': headingId },
    h(
      'table',
      { class: 'batch-rows', 'aria-labelledby': headingId },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Row', 'Customer', 'Admin email', lastColumn].map((title) => h('th', { scope: 'col' }, title)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            { 'data-row': String(r.row) },
            h('td', {}, String(r.row)),
            h('td', {}, r.customer),
            h('td', {}, r.email),
            h('td', {}, r.result),
          ),
        ),
      ),
    ),
  );
}

/** The Many customers part of the Invite page: the template, the file and its preview. */
export function manyCustomers(workspace: PartnerWorkspace) {
  const file = h('input', {
    type: 'file',
    id: 'batch-file',
    accept: '.csv,text/csv',
    'aria-describedby': 'batch-file-hint',
  });
  const template = h('button', { type: 'button', class: 'button' }, 'Download the CSV template');
  const preview = h('div', { class: 'batch-preview', 'aria-live': 'polite' });
  let rows: Record<string, unknown>[] | undefined;
  let unreadable: string | undefined;

  template.addEventListener('click', () => {
    void (async () => {
      try {
        const file = await download(`${workspace.base}/invitation-batches/template.csv`, {
          token: await workspace.session.token(),
          accept: 'text/csv',
        });
        save(file.blob, file.filename);
      } catch (error) {
        show(
          preview,
          notice('error', `The template was not downloaded. ${error instanceof Error ? error.message : ''}`),
        );
      }
    })();
  });

  /** The rows of the chosen file (`rows`), or why it cannot be read (`unreadable`). */
  const read = async () => {
    rows = undefined;
    unreadable = undefined;
    const chosen = file.files?.[0];
    if (!chosen) return;
    try {
      rows = parse<Record<string, string>>(await chosen.text(), batchCsvParseOptions).map(givenCells);
    } catch {
      unreadable =
        'This file could not be read as CSV. Save it from your spreadsheet as CSV (comma-separated, UTF-8) with the template’s header line, and choose it again.';
      return;
    }
    if (rows.length === 0)
      unreadable = 'The file has no customers under its header line. Add one customer a line, as the template shows.';
    else if (rows.length > maxBatchRows)
      unreadable = `The file has ${rows.length} customers; one batch takes at most ${maxBatchRows}. Split it into files of ${maxBatchRows} or fewer.`;
  };

  const drawPreview = (checked: RowPreview[], name: string) => {
    const bad = checked.filter((r) => r.problem).length;
    show(
      preview,
      h('h3', { id: 'batch-preview-heading' }, 'Customers in the file'),
      h(
        'p',
        {},
        `${checked.length} customers read from ${name}: ${checked.length - bad} ready`,
        bad > 0
          ? `, ${bad} with a problem. Those rows will not be invited: mend them in the file and choose it again, or send and invite the others.`
          : '.',
      ),
      rowsTable(
        'batch-preview-heading',
        'Check',
        checked.map((r) => ({
          row: r.row,
          customer: cell(r.input, 'customerTenantId') || cell(r.input, 'customerDomain'),
          email: cell(r.input, 'customerAdminEmail'),
          result: r.problem ? h('span', { class: 'row-problem' }, rowProblemSentence(r.problem)) : 'Ready',
        })),
      ),
    );
  };

  /** Checks the rows with the shared fields the form holds now (their own problems are the form's to show). */
  const check = (shared: unknown) => {
    const name = file.files?.[0]?.name ?? '';
    if (unreadable) return show(preview, notice('error', unreadable));
    if (!rows) return preview.replaceChildren();
    const parsed = batchSharedSchema.safeParse(shared);
    if (parsed.success) drawPreview(previewBatch(rows, parsed.data), name);
    else
      show(
        preview,
        notice('warning', `${rows.length} customers read from ${name}. Mend the fields marked below to check them.`),
      );
  };

  const element = h(
    'div',
    { class: 'many-customers' },
    h(
      'div',
      { class: 'field', 'data-field': 'batch-file' },
      h('label', { for: 'batch-file' }, fileLabel),
      h(
        'p',
        { class: 'hint', id: 'batch-file-hint' },
        `Up to ${maxBatchRows} customers, one a line under the template’s header line: customerTenantId or customerDomain, and customerAdminEmail. Every customer gets the relationship, roles and message you choose below.`,
      ),
      h('p', { class: 'actions' }, template),
      file,
    ),
    preview,
  );

  return {
    element,
    /** Reads the chosen file again and shows its rows checked with `shared`. */
    async chosen(shared: unknown) {
      await read();
      check(shared);
    },
    check,
    /** What to send, or the form's problems: the shared fields by the API's rules, then the file. */
    batch(shared: Record<string, unknown>): { body: Record<string, unknown> } | { problems: FieldProblem[] } {
      const parsed = batchSharedSchema.safeParse(shared);
      const paths = parsed.success
        ? checkBatch(parsed.data).map((p) => p.path)
        : parsed.error.issues.map((i) => i.path.join('.'));
      const problems = [
        ...fieldProblems(paths),
        ...(unreadable ? [fileProblem(unreadable)] : []),
        ...(!unreadable && !rows
          ? [fileProblem('Choose the CSV file of the customers to invite (start from the template).')]
          : []),
      ];
      return problems.length > 0 || !rows ? { problems } : { body: { ...shared, rows } };
    },
    /** The API's word on the rows (none, or more than 500) as the file field's sentence. */
    rowsProblem: () =>
      fileProblem(
        `Choose a CSV file with between 1 and ${maxBatchRows} customers, one a line under the template’s header line.`,
      ),
  };
}

/** Waits between two looks at a running batch: soon at first, then less often. */
const firstWait = 500;
const longestWait = 5000;

/** The batch's page (/partner/invitations/batches/{id}): progress while it runs, then every row's result. */
export async function initPartnerInvitationBatch(): Promise<void> {
  const batchId = document.body.dataset.batchId ?? '';
  const workspace = await openPartnerWorkspace(location.pathname);
  if (!workspace) return;
  const { content, base, session, query } = workspace;
  const path = `${base}/invitation-batches/${encodeURIComponent(batchId)}`;
  const message = h('div', { id: 'page-message' });
  const progress = progressBar('batch-progress', 'Invitations going out', {
    done: 'invited',
    failed: 'not invited',
  });
  const status = h('p', { class: 'status-message', role: 'status' });
  const results = h('section', { 'aria-labelledby': 'results-heading', hidden: true });
  const facts = h('p', {});
  // Shown from the first look at the batch: until then it would have nothing true to say.
  progress.element.hidden = true;
  content.append(message, facts, progress.element, status, results);

  const showResults = (batch: Batch) => {
    const heading = h('h2', { id: 'results-heading' }, 'Results');
    const downloadButton = h('button', { type: 'button', class: 'button primary' }, 'Download results');
    const downloaded = h('span', { class: 'hint', role: 'status' });
    downloadButton.addEventListener('click', () => {
      void (async () => {
        try {
          const file = await download(path, { token: await session.token(), accept: 'text/csv' });
          save(file.blob, file.filename);
          downloaded.textContent = 'Results downloaded.';
        } catch (error) {
          messageBar(message, `The results were not downloaded. ${error instanceof Error ? error.message : ''}`);
        }
      })();
    });
    results.hidden = false;
    show(
      results,
      heading,
      h(
        'p',
        {},
        `${batch.done} customers invited: each got the invitation by email, and you can pass on its link yourself. `,
        batch.failed > 0 ? `${batch.failed} not invited: the result says what to mend. ` : '',
        'The download has every row, its link or its problem.',
      ),
      h('p', { class: 'actions' }, downloadButton, downloaded),
      rowsTable(
        'results-heading',
        'Result',
        batch.rows.map((r) => ({
          row: r.row,
          customer: r.customerTenantId ?? r.customerDomain ?? '',
          email: r.customerAdminEmail ?? '',
          result: r.invitationUrl
            ? copyableLink(`invitation-link-${r.row}`, `Invitation link, row ${r.row}`, r.invitationUrl)
            : r.problem
              ? h('span', { class: 'row-problem' }, rowProblemSentence(r.problem))
              : 'Not sent yet',
        })),
      ),
      h(
        'p',
        { class: 'actions' },
        h('a', { class: 'button', href: `/partner/invitations${query}` }, 'See invitations'),
        h(
          'a',
          { class: 'button', href: `/partner/invitations/new${query ? `${query}&` : '?'}customers=many` },
          'Invite more customers',
        ),
      ),
    );
    focus(heading);
  };

  let wait = firstWait;
  const look = async (): Promise<void> => {
    let batch: Batch;
    try {
      batch = (await api<Batch>(path, { token: await session.token() })).data;
    } catch (error) {
      const text =
        error instanceof ApiError && error.status === 404
          ? 'There is no such invitation batch for your organization. Open it from Invitations.'
          : `Where the batch stands could not be loaded. ${error instanceof Error ? error.message : ''}`;
      messageBar(message, text, error instanceof ApiError && error.status === 404 ? undefined : () => void look());
      return;
    }
    facts.textContent = `${batch.total} customers, sent ${formatDateTime(batch.createdAt)}.`;
    progress.update(batch);
    progress.element.hidden = false;
    if (batch.status === 'done') {
      status.textContent = `Done: ${batch.done} invited, ${batch.failed} not invited.`;
      showResults(batch);
      return;
    }
    status.textContent =
      'The invitations are going out. You can leave this page: they keep going, and Invitations links this batch.';
    setTimeout(() => void look(), wait);
    wait = Math.min(longestWait, wait * 1.5);
  };
  await look();
}
