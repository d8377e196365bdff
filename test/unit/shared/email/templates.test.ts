import { describe, expect, it } from 'vitest';
import { templateNames } from '../../../../shared/email/template-data.js';
import { escapeHtml, renderEmail, singleLine, TemplateDataError } from '../../../../shared/email/templates.js';
import { allEmailExamples, emailExamples } from '../../../support/email-examples.js';

const publicBaseUrl = 'https://partners.example.test';
const tenant = '33333333-3333-3333-3333-333333333333';
const examples = emailExamples;

const subjects = {
  contactRequestToPartner: 'New contact request from Grace Hopper at Fabrikam',
  contactConfirmation: 'Your contact request was sent to 2 partners',
  invitationToCustomer: 'Contoso Partners invites you to a delegated administrator relationship',
  invitationAccepted: 'Fabrikam accepted your invitation to a delegated administrator relationship',
  invitationDeclined: `Customer tenant ${tenant} declined your relationship invitation`,
  terminationRequested: 'Fabrikam asks you to end your relationship',
  relationshipTerminated: 'Contoso Partners ended its relationship with Fabrikam',
  rolesRemoved: 'Fabrikam removed your admin roles',
  autoExtendChanged: 'Contoso Partners turned off auto-extend for its admin roles in your organization',
  autoExtendTurnedOn: 'Contoso Partners turned on auto-extend for its admin roles in your organization',
  relationshipExpired: 'Your relationship with Fabrikam has expired',
  relationshipExpiredToCustomer: 'The relationship of Contoso Partners with your organization has expired',
  relationshipEndingReminder: 'The admin roles of Contoso Partners in your organization end in 7 days',
  relationshipEndingReminderToPartner: `Your admin roles for customer tenant ${tenant} end in 1 day`,
  directoryEntryChanged: 'The directory entry of Contoso Partners was changed',
  directoryEntryDeactivated: 'Contoso Partners was removed from the partner directory',
  directoryEntryTenantChanged: 'The Entra ID tenant of Contoso Partners was changed',
  webhookDisabled: 'A webhook of Contoso Partners was turned off',
};

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
const decode = (html: string) => html.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => entities[name]!);

/**
 * What a reader of the HTML part sees: the title, the body's text (tags and styles gone, entities decoded) and its
 * links.
 */
function readHtml(html: string): { title: string; text: string; links: string[] } {
  const title = decode(/<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '');
  const body = /<body[^>]*>([\s\S]*)<\/body>/.exec(html)?.[1] ?? '';
  const links = [...body.matchAll(/<a\b[^>]*\bhref="([^"]*)"/g)].map((m) => decode(m[1]!));
  return { title, text: decode(body.replace(/<[^>]*>/g, ' ')), links };
}

/** The words of a part without its links and list or label punctuation, to compare what both parts say. */
const words = (text: string) =>
  text
    .replace(/<?\b(https?|mailto):[^\s>]+>?/g, ' ')
    .replace(/[:>\-—]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
const webLinks = (urls: string[]) => [...new Set(urls.filter((u) => /^https?:/.test(u)))].sort();

describe('email templates', () => {
  it('has an example for every template', () => {
    expect(Object.keys(examples)).toEqual(expect.arrayContaining(templateNames));
  });

  for (const { name: example, template, data } of allEmailExamples()) {
    it(`renders ${example}: a subject saying what happened, HTML and text`, async () => {
      const email = renderEmail(template, data, { publicBaseUrl });
      expect(email.subject).toBe(subjects[example as keyof typeof subjects]);
      await expect(email.text).toMatchFileSnapshot(`__snapshots__/templates/${example}.txt`);
      // The HTML part says what the text part says, word for word, and links where it links;
      // how it is styled is free to change.
      const html = readHtml(email.html);
      expect(html.title).toBe(email.subject);
      expect(words(html.text)).toEqual(words(email.text));
      expect(webLinks(html.links)).toEqual(webLinks([...email.text.matchAll(/https?:\/\/[^\s>]+/g)].map((m) => m[0])));
      for (const mailto of html.links.filter((l) => l.startsWith('mailto:')))
        expect(email.text).toContain(mailto.slice('mailto:'.length));
    });
  }

  it('links the invitation absolutely, with its id and code URL-encoded', () => {
    const email = renderEmail(
      'invitationToCustomer',
      { ...examples.invitationToCustomer, invitationId: 'a b/c', code: 'Xy7/+q=&x' },
      { publicBaseUrl: 'https://partners.example.test/' },
    );
    const link = 'https://partners.example.test/invitations/a%20b%2Fc?code=Xy7%2F%2Bq%3D%26x';
    expect(email.html).toContain(`href="${link}"`);
    expect(email.text).toContain(`Review the invitation: ${link}`);
  });

  it('says how long the admin roles asked for last, as people say it, and nothing of a duration without roles', () => {
    const renewing = renderEmail('invitationToCustomer', examples.invitationToCustomer, { publicBaseUrl });
    expect(renewing.text).toContain('Admin roles for: 180 days, renews automatically every 180 days');
    expect(renewing.html).toContain('180 days, renews automatically every 180 days');
    const { autoExtend: _, ...fixed } = { ...examples.invitationToCustomer, duration: 'P730D' };
    expect(renderEmail('invitationToCustomer', fixed, { publicBaseUrl }).text).toContain('Admin roles for: 2 years');
    const noRoles = renderEmail('invitationToCustomer', { ...fixed, roles: [] }, { publicBaseUrl });
    expect(noRoles.text).not.toContain('Admin roles for');
  });

  it('lets a partner reply to the requester of a lead, and links customers to their partners', () => {
    const lead = renderEmail('contactRequestToPartner', examples.contactRequestToPartner, { publicBaseUrl });
    const reply = 'mailto:grace@fabrikam.example?subject=Your%20contact%20request%20to%20Contoso%20Partners';
    expect(lead.html).toContain(`href="${reply}"`);
    expect(lead.text).toContain(`Reply to Grace Hopper: ${reply}`);
    expect(renderEmail('relationshipTerminated', examples.relationshipTerminated, { publicBaseUrl }).html).toContain(
      `href="${publicBaseUrl}/partners"`,
    );
  });

  it('tells the partner which roles a customer removed, by whom, and what is left', () => {
    const { text } = renderEmail('rolesRemoved', examples.rolesRemoved, { publicBaseUrl });
    expect(text).toContain(
      'Ada Admin removed every admin role Contoso Partners held in Fabrikam on 2025-03-04 09:30 UTC.',
    );
    expect(text).toContain('Admin roles removed:\n- Helpdesk Administrator');
    expect(text).toContain('The relationship stays, as a reseller relationship with no admin roles');
    expect(text).toContain(`Open your customers: ${publicBaseUrl}/partner/customers`);
  });

  it('tells each side that a relationship expired and which roles ended', () => {
    const partner = renderEmail('relationshipExpired', examples.relationshipExpired, { publicBaseUrl }).text;
    expect(partner).toContain('expired on 2025-04-03 00:00 UTC');
    expect(partner).toContain('Admin roles ended:\n- Helpdesk Administrator');
    expect(partner).toContain('To manage this customer again, send a new invitation.');
    const customer = renderEmail(
      'relationshipExpired',
      { ...examples.relationshipExpired, audience: 'customer' },
      { publicBaseUrl },
    ).text;
    expect(customer).toContain(
      'the admin roles it held in your organization ended then, and it can no longer use them',
    );
    expect(customer).toContain(`Review your partners: ${publicBaseUrl}/partners`);
  });

  it('refuses data that does not fit the template, naming the fields', () => {
    const render = () =>
      renderEmail(
        'invitationToCustomer',
        { ...examples.invitationToCustomer, expiresAt: 'soon', partnerName: '' },
        { publicBaseUrl },
      );
    expect(render).toThrow(TemplateDataError);
    expect(render).toThrow(/expiresAt.*partnerName|partnerName.*expiresAt/);
  });

  it('refuses partner websites that are not http(s) links', () => {
    const data = { ...examples.contactConfirmation, partners: [{ name: 'Evil', website: 'javascript:alert(1)' }] };
    expect(() => renderEmail('contactConfirmation', data, { publicBaseUrl })).toThrow(/partners\.0\.website/);
  });
});

describe('hostile values', () => {
  const hostile = 'Eve <script>alert("x")</script> & \'co\'\r\nBcc: victim@example.com';

  it('are HTML-escaped everywhere in the HTML part', () => {
    for (const { name: example, template, data } of allEmailExamples()) {
      // Every free-text field a producer passes through gets the hostile value.
      const poisoned = JSON.parse(
        JSON.stringify(data, (key, value: unknown) =>
          typeof value === 'string' &&
          /Name$|^name$|company|businessNeeds|message|reason|relationshipDescription|industry|description/.test(key)
            ? hostile
            : value,
        ),
      ) as unknown;
      const email = renderEmail(template, poisoned, { publicBaseUrl });
      expect(email.html, example).not.toMatch(/<script|alert\("x"\)|'co'/);
      expect(email.html, example).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;');
      // Escaped once: a reader of the HTML sees the values as given, as in the text part.
      expect(readHtml(email.html).text, example).toContain(`Eve <script>alert("x")</script> & 'co'`);
      expect(words(readHtml(email.html).text), example).toEqual(words(email.text));
    }
  });

  it('cannot break the subject line or start a header', () => {
    const email = renderEmail(
      'invitationToCustomer',
      { ...examples.invitationToCustomer, partnerName: hostile },
      { publicBaseUrl },
    );
    expect(email.subject).not.toMatch(/[\r\n\u0000-\u001f\u007f]/);
    expect(email.subject).toBe(
      'Eve <script>alert("x")</script> & \'co\' Bcc: victim@example.com invites you to a delegated administrator relationship',
    );
    expect(email.html).toContain('<title>Eve &lt;script&gt;');
  });

  it('keep one-line values on one line in the text part', () => {
    const email = renderEmail(
      'invitationDeclined',
      { ...examples.invitationDeclined, declinedByName: 'Mallory\r\n\r\nClick http://evil.example' },
      { publicBaseUrl },
    );
    expect(email.text).toContain('Mallory Click http://evil.example declined the invitation');
  });
});

describe('escapeHtml and singleLine', () => {
  it('escape the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('turn control characters, tabs and Unicode line separators into single spaces', () => {
    expect(singleLine(' a\r\nb\tc\u0000d\u2028e\u0085f ')).toBe('a b c d e f');
  });

  it('shorten long lines with an ellipsis', () => {
    expect(singleLine('x'.repeat(300), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
