import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { Readable, pipeline } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { stringify as stringifyStream } from 'csv-stringify';
import { stringify } from 'csv-stringify/sync';
import type { CsvValue } from '../domain/exports.js';
import { now } from '../clock.js';
import { batchCsvParseOptions, givenCells } from '../domain/invitation-batches.js';
import { AppError } from '../errors.js';

/**
 * CSV in and out (RFC 4180) through maintained libraries: uploads read with csv-parse, answers
 * written with csv-stringify as UTF-8 with a byte-order mark, so spreadsheet apps open them in the
 * right encoding.
 */
export const csvMediaType = 'text/csv; charset=utf-8';

/**
 * A value a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage return
 * first) gets a leading apostrophe, so it shows as the text it is (OWASP's CSV injection advice).
 */
export function neutralised(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One CSV line's cells: empty for null and undefined, everything else as text, neutralised. */
export const csvCells = (values: readonly CsvValue[]): string[] =>
  values.map((v) => (v === null || v === undefined ? '' : neutralised(String(v))));

/** A whole (small) CSV document: header line and rows. */
export function csvDocument(columns: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return stringify([[...columns], ...rows.map(csvCells)], { record_delimiter: 'windows', bom: true });
}

/**
 * A CSV document written as `rows` yields them: csv-stringify pulls the next row only as the
 * answer is sent (stream backpressure), so memory holds a page or so, however many rows there are.
 */
export function csvStream(columns: readonly string[], rows: AsyncIterable<readonly CsvValue[]>): Readable {
  async function* lines() {
    yield [...columns];
    for await (const row of rows) yield csvCells(row);
  }
  const stringifier = stringifyStream({ record_delimiter: 'windows', bom: true });
  // A failure halfway (storage gone) destroys the answer's stream, so the download breaks off rather than hangs.
  pipeline(Readable.from(lines()), stringifier, () => undefined);
  return stringifier;
}

/** An answer carrying a CSV document, as a download named `filename`. */
export function csvAnswer(body: string | Readable, filename: string): HttpResponseInit {
  return {
    status: 200,
    headers: { 'Content-Type': csvMediaType, 'Content-Disposition': `attachment; filename="${filename}"` },
    body,
  };
}

/** Whether the caller asked for CSV (`Accept: text/csv`) rather than JSON. */
export const acceptsCsv = (accept: string | null): boolean => /(^|,)\s*text\/csv\b/i.test(accept ?? '');

/** What a list exports: its columns, one item's line, and the download's name before the date. */
export interface CsvExport<T> {
  columns: readonly string[];
  row: (item: T) => readonly CsvValue[];
  name: string;
}

/**
 * A list route's answer: its JSON page, or with `Accept: text/csv` (or `linked`: the query asked
 * for it, as a plain link cannot send Accept) every item the query keeps, as a streamed download
 * named `<name>-<YYYY-MM-DD>.csv`. `all` checks the caller before it reads.
 */
export async function pageOrCsv<T>(
  request: HttpRequest,
  page: () => Promise<unknown>,
  all: () => Promise<AsyncIterable<T>>,
  csv: CsvExport<T>,
  linked = false,
): Promise<HttpResponseInit> {
  if (!linked && !acceptsCsv(request.headers.get('accept'))) return { status: 200, jsonBody: await page() };
  const items = await all();
  async function* rows() {
    for await (const item of items) yield csv.row(item);
  }
  const name = csv.name.replace(/[^A-Za-z0-9._-]/g, '-');
  return csvAnswer(csvStream(csv.columns, rows()), `${name}-${now().toISOString().slice(0, 10)}.csv`);
}

/** The OpenAPI line for a list that also answers `Accept: text/csv`. */
export const csvExportText =
  "With `Accept: text/csv`, every item the filters keep (no paging) as a CSV download (RFC 4180, UTF-8 with BOM, streamed; values starting with `=`, `+`, `-`, `@`, a tab or a carriage return get a leading `'`).";

/**
 * An uploaded CSV's lines as objects by the header line's column names; empty cells left out (a
 * column the row does not use). A document that is not CSV is 400 naming the line.
 */
export function csvRecords(text: string): Record<string, string>[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, batchCsvParseOptions);
  } catch (error) {
    throw new AppError('malformed-body', `The body is not valid CSV: ${(error as Error).message}`);
  }
  return records.map(givenCells);
}
