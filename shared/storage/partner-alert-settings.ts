import { z } from 'zod';
import { defaultReminderWindows, type ReminderWindow } from '../domain/reminders.js';
import { storageStatus } from './errors.js';
import { storage } from './clients.js';
import { decodeEntity, etagOf, readEntity } from './entities.js';
import { tableNames } from './names.js';

/** As stored: each window with the time the partner chose it (which marks a window may fire for), the extra recipients, the latest change ids. */
const storedSchema = z.object({
  windows: z.array(z.object({ days: z.number().int().min(1), since: z.string() })),
  recipients: z.array(z.string()),
  recentChanges: z.array(z.string()).default([]),
});

export interface StoredAlertSettings {
  windows: ReminderWindow[];
  recipients: string[];
  /** The ids of the latest changes (the requests that saved them), so a change's follow-up can tell it was saved. */
  recentChanges: string[];
  /** Undefined while nothing is stored (the defaults). */
  etag: string | undefined;
}

const defaults = (): StoredAlertSettings => ({
  windows: [...defaultReminderWindows],
  recipients: [],
  recentChanges: [],
  etag: undefined,
});
const rowKey = 'alerts';
const keptChanges = 20;
const json = ['windows', 'recipients', 'recentChanges'];
const table = async () => (await storage()).table(tableNames.partnerAlertSettings);

/** The partner's alert settings as stored, or the defaults (with no ETag) when it never chose any. */
export async function readPartnerAlertSettings(partnerId: string): Promise<StoredAlertSettings> {
  const e = await readEntity(await table(), partnerId, rowKey);
  if (!e) return defaults();
  return { ...decodeEntity(tableNames.partnerAlertSettings, storedSchema, e, { json }), etag: etagOf(e) };
}

/**
 * The settings with an ETag: the first read stores the defaults, so even the first change can be
 * conditional (as the customer's settings do).
 */
export async function getPartnerAlertSettings(partnerId: string): Promise<StoredAlertSettings & { etag: string }> {
  for (let attempt = 0; ; attempt++) {
    const read = await readPartnerAlertSettings(partnerId);
    if (read.etag !== undefined) return { ...read, etag: read.etag };
    try {
      const created = await (await table()).createEntity(entity(partnerId, read));
      return { ...read, etag: etagOf(created) };
    } catch (error) {
      // Another first read stored them at the same moment: read theirs.
      if (storageStatus(error) !== 409 || attempt > 0) throw error;
    }
  }
}

const entity = (partnerId: string, s: Omit<StoredAlertSettings, 'etag'>) => ({
  partitionKey: partnerId,
  rowKey,
  windows: JSON.stringify(s.windows),
  recipients: JSON.stringify(s.recipients),
  recentChanges: JSON.stringify(s.recentChanges),
});

/** Saves the settings only over the version `etag` names (412 otherwise); `changeId` joins the recent changes. */
export async function savePartnerAlertSettings(
  partnerId: string,
  settings: { windows: ReminderWindow[]; recipients: string[] },
  etag: string,
  change: { id: string; recentChanges: string[] },
): Promise<string> {
  const recentChanges = [...change.recentChanges, change.id].slice(-keptChanges);
  return etagOf(
    await (await table()).updateEntity(entity(partnerId, { ...settings, recentChanges }), 'Replace', { etag }),
  );
}
