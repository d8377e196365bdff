import type { ExpiryWindow } from './relationships.js';
import type { InvitationStatus } from './invitations.js';

/**
 * Absolute links to the web pages, from PUBLIC_BASE_URL, every dynamic part URL-encoded: what the
 * emails link to and what the partner copies after sending an invitation. Each is a registered
 * page for the person it is meant for (test/integration/functions/email-links.test.ts opens them).
 */
export function pageLinks(publicBaseUrl: string) {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return {
    /** The customer admin's acceptance page; the code is the only proof of the invitation. */
    invitation: (invitationId: string, code: string) =>
      `${base}/invitations/${encodeURIComponent(invitationId)}?code=${encodeURIComponent(code)}`,
    /** The same page opened from the customer's list of pending invitations: no code, the tenant is the proof. */
    customerInvitation: (invitationId: string) => `${base}/invitations/${encodeURIComponent(invitationId)}`,
    /** A customer's partners (the relationships page for customer admins). */
    customerPartners: () => `${base}/partners`,
    /** One of the customer's partner relationships: its details, roles and history. */
    customerRelationship: (relationshipId: string) => `${base}/relationships/${encodeURIComponent(relationshipId)}`,
    /** The partner's leads (contact requests). */
    partnerLeads: () => `${base}/partner/leads`,
    /** The partner's invitations; `status` filters them (the declined email shows the declined ones). */
    partnerInvitations: (status?: InvitationStatus) =>
      `${base}/partner/invitations${status ? `?status=${encodeURIComponent(status)}` : ''}`,
    /**
     * The partner's customers and relationships; `expiry` selects an expiring tile, `relationship`
     * opens that relationship's details.
     */
    partnerCustomers: (show: { expiry?: ExpiryWindow | undefined; relationship?: string } = {}) => {
      const query = new URLSearchParams({
        ...(show.expiry ? { expiry: show.expiry } : {}),
        ...(show.relationship ? { relationship: show.relationship } : {}),
      }).toString();
      return `${base}/partner/customers${query ? `?${query}` : ''}`;
    },
    /** The partner's webhook subscriptions and their deliveries; `subscription` opens that one's details. */
    partnerWebhooks: (subscription?: string) =>
      `${base}/partner/webhooks${subscription ? `?subscription=${encodeURIComponent(subscription)}` : ''}`,
  };
}
export type PageLinks = ReturnType<typeof pageLinks>;
