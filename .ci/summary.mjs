// Prints one line per vitest JSON report given, each failed test under it (file, name, first line
// of its message: the tail of a CI log says what failed), then "N passed, N failed" summed over all
// of them (the last line); exits 1 when no test ran, any failed, or a report is missing (its run
// did not get as far as writing it).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

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
  for (const suite of report.testResults ?? []) {
    const where = relative(process.cwd(), suite.name);
    const failedTests = (suite.assertionResults ?? []).filter((test) => test.status === 'failed');
    if (failedTests.length === 0 && suite.status === 'failed') {
      console.log(`  ✗ ${where}: ${firstLine(suite.message)}`);
    }
    for (const test of failedTests) {
      console.log(`  ✗ ${where} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
    }
  }
  passed += report.numPassedTests;
  failed += fileFailed;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(passed > 0 && failed === 0 ? 0 : 1);

function firstLine(message) {
  return (message ?? 'no message').split('\n').find((line) => line.trim() !== '') ?? 'no message';
}
