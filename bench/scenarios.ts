import { auditExport, invitationBatch } from './bulk.js';
import { coldStart } from './cold-start.js';
import { contactRequestPost } from './contact-requests.js';
import { directorySearchHttp } from './directory-http.js';
import { directoryScale } from './directory-scale.js';
import { directorySearch } from './directory-search.js';
import type { BenchScenario } from './harness.js';
import { loadGeneratorCeiling } from './http.js';
import { pageWeight } from './page-weight.js';
import { reminderRun } from './reminders.js';
import { storageCleanup } from './storage-cleanup.js';
import { webhookFanOut } from './webhooks.js';

/** What `npm run bench` runs, in order; a new scenario module adds its entry here (README, "Performance"). */
export const scenarios: BenchScenario[] = [
  loadGeneratorCeiling,
  coldStart,
  directorySearch,
  directoryScale,
  contactRequestPost,
  directorySearchHttp,
  pageWeight,
  auditExport,
  invitationBatch,
  webhookFanOut,
  storageCleanup,
  reminderRun,
];
