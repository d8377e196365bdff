import { initContact, initFindPartner } from './find-partner.js';
import { initInvitation } from './invitation.js';
import { initPartnerPage } from './partner-workspace.js';
import { initPartners } from './partners.js';
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
  'partner-leads': () => initPartnerPage('leads'),
  'partner-invitations': () => initPartnerPage('invitations'),
  'partner-customers': () => initPartnerPage('customers'),
};

const page = pages[document.body.dataset.page ?? ''];
if (page) {
  Promise.resolve(page()).catch((error: unknown) => {
    console.error(error);
    const content = document.getElementById('content') ?? document.getElementById('main');
    const message = document.createElement('p');
    message.className = 'notice notice-error';
    message.setAttribute('role', 'alert');
    message.textContent = 'Something went wrong on this page. Reload it to try again.';
    content?.prepend(message);
  });
}
