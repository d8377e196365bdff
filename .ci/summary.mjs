// Prints one line per vitest JSON report given, then "N passed, N failed" summed over all of them
// (the last line); exits 1 when no test ran, any failed, or a report is missing (its run did not
// get as far as writing it).
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
let passed = 0;
let failed = 0;
for (const file of files) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.error(`${file}: no report (${error.message})`);
    failed += 1;
    continue;
  }
  let fileFailed = report.numFailedTests + (report.numRuntimeErrors ?? 0);
  if (report.success === false && fileFailed === 0) fileFailed += 1; // a suite that failed to load
  console.log(`${file}: ${report.numPassedTests} passed, ${fileFailed} failed`);
  passed += report.numPassedTests;
  failed += fileFailed;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(passed > 0 && failed === 0 ? 0 : 1);
