import type { HttpResponseInit } from '@azure/functions';
import { Readable, pipeline } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { stringify as stringifyStream } from 'csv-stringify';
import { stringify } from 'csv-stringify/sync';
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

export type CsvValue = string | number | boolean | null | undefined;

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

/**
 * An uploaded CSV's lines as objects by the header line's column names; empty cells left out (a
 * column the row does not use). A document that is not CSV is 400 naming the line.
 */
export function csvRecords(text: string): Record<string, string>[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    throw new AppError('malformed-body', `The body is not valid CSV: ${(error as Error).message}`);
  }
  return records.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== '')));
}
