/**
 * What the acceptance page says of an invitation no longer waiting for a decision, on the server-rendered page and in
 * app.js alike. Pure (no zod): app.js bundles it; each side formats the date its own way.
 */
export function closedInvitationMessage(
  page: { status: string; expiresAt: string; partner: { displayName: string } },
  formatDate: (iso: string) => string,
): string {
  const partner = page.partner.displayName;
  switch (page.status) {
    case 'expired':
      return `This invitation from ${partner} expired on ${formatDate(page.expiresAt)}. Ask ${partner} to send a new one.`;
    case 'revoked':
      return `${partner} withdrew this invitation. Nothing was changed in your organization.`;
    case 'accepted':
      return `This invitation from ${partner} has already been accepted.`;
    case 'declined':
      return `This invitation from ${partner} was declined. Nothing was changed in your organization.`;
    default:
      return '';
  }
}
