import { settings, type EmailTransport, type Settings } from '../config.js';
import { CommunicationServicesSender } from './communication-services.js';
import { OutboxSender } from './outbox.js';
import type { EmailSender } from './sender.js';

export function createEmailSender(transport: EmailTransport): EmailSender {
  switch (transport.kind) {
    case 'outbox':
      return new OutboxSender(transport.directory, transport.senderAddress);
    case 'communicationServices':
    case 'communicationServicesIdentity':
      return new CommunicationServicesSender(transport);
  }
}

let cached: { for: Settings; sender: EmailSender } | undefined;

/** The process's sender for the current settings (a new one when tests or the local host reset settings). */
export function emailSender(): EmailSender {
  const current = settings();
  if (cached?.for !== current) cached = { for: current, sender: createEmailSender(current.email) };
  return cached.sender;
}
