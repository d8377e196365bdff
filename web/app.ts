import { notice } from './dom.js';
import { initContact, initFindPartner } from './find-partner.js';
import { initInvitation } from './invitation.js';
import { initPartnerCustomerBatch, initPartnerCustomers, initPartnerRelationship } from './partner-customers.js';
import { initPartnerInvitations } from './partner-invitations.js';
import { initPartnerInvite } from './partner-invite.js';
import { initPartnerLeads } from './partner-leads.js';
import { initPartnerWebhooks } from './partner-webhooks.js';
import {
  initAgreement,
  initAudit,
  initPartners,
  initPendingInvitations,
  initRelationship,
  initSettings,
} from './partners.js';
import { initShell } from './shell.js';
import { completeRedirectSignIn } from './sign-in.js';

/** Progressive enhancement of the server-rendered pages; each page names itself in body[data-page]. */
const pages: Record<string, () => void | Promise<void>> = {
  'find-partner': async () => {
    await completeRedirectSignIn();
    initFindPartner();
  },
  contact: initContact,
  invitation: initInvitation,
  partners: initPartners,
  relationship: initRelationship,
  'pending-invitations': initPendingInvitations,
  agreement: initAgreement,
  settings: initSettings,
  audit: initAudit,
  'partner-leads': initPartnerLeads,
  'partner-invitations': initPartnerInvitations,
  'partner-invite': initPartnerInvite,
  // A chunk of its own (the CSV reader and the batch rules), as is the Invite page's Many customers.
  'partner-invitation-batch': async () => (await import('./invitation-batch.js')).initPartnerInvitationBatch(),
  'partner-customers': initPartnerCustomers,
  'partner-customer-batch': initPartnerCustomerBatch,
  'partner-relationship': initPartnerRelationship,
  'partner-webhooks': initPartnerWebhooks,
};

const name = document.body.dataset.page ?? '';
// The signed-in pages are the admin shell's (body.shell); only they use the Fluent web components.
if (document.body.classList.contains('shell')) {
  initShell();
  void import('./fluent.js');
}
const page = pages[name];
if (page) {
  Promise.resolve(page()).catch((error: unknown) => {
    console.error(error);
    const content = document.getElementById('content') ?? document.getElementById('main');
    content?.prepend(notice('error', 'Something went wrong on this page. Reload it to try again.'));
  });
}
