import type { z } from 'zod';
import { durationInWords, inviteDurations, inviteExpiryDays } from '../shared/domain/durations.js';
import { directoryRoles } from '../shared/domain/roles.js';
import type { adminRoleCatalogueSchema, createdInvitationSchema } from '../shared/domain/views.js';
import { api, ApiError } from './api.js';
import { focus, h, notice, show } from './dom.js';
import { fieldProblems, messageBar, type FieldProblem } from './page-parts.js';
import { copyableLink, openPartnerWorkspace } from './partner-workspace.js';

/**
 * Invite a customer (/partner/invitations/new): who (tenant id or domain, admin email), the
 * relationship type with what it lets the partner do, the roles picker (GET /api/admin-roles:
 * grouped by task, the least-privileged role of each task recommended, privileged roles warned
 * about, only roles the type may carry), how long the roles last and whether they renew, a message
 * and when the invitation expires. After sending, the link to pass on, with Copy. Or, with Many
 * customers chosen at the top (`?customers=many`), a CSV file of up to 500 customers sharing those
 * fields (web/invitation-batch.ts), sent as one batch whose page follows it.
 */
type Catalogue = z.infer<typeof adminRoleCatalogueSchema>;
type Created = z.infer<typeof createdInvitationSchema>;

const globalAdministrator = directoryRoles.globalAdministrator;

function field(id: string, text: string, control: HTMLElement, hint?: string): HTMLElement {
  const hintId = `${id}-hint`;
  if (hint) control.setAttribute('aria-describedby', hintId);
  return h(
    'div',
    { class: 'field', 'data-field': id },
    h('label', { for: id }, text),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    control,
  );
}

export async function initPartnerInvite(): Promise<void> {
  const workspace = await openPartnerWorkspace('/partner/invitations/new');
  if (!workspace) return;
  const { content, base, query } = workspace;
  const message = h('div', { id: 'page-message' });
  content.append(message);
  let catalogue: Catalogue;
  try {
    catalogue = (await api<Catalogue>('/api/admin-roles')).data;
  } catch (error) {
    messageBar(
      message,
      `The admin roles could not be loaded. ${error instanceof Error ? error.message : ''}`,
      () => void initPartnerInvite(),
    );
    return;
  }

  const byTenant = h('input', {
    type: 'radio',
    name: 'customerBy',
    id: 'customer-by-tenant',
    value: 'tenant',
    checked: true,
  });
  const byDomain = h('input', { type: 'radio', name: 'customerBy', id: 'customer-by-domain', value: 'domain' });
  const customer = h('input', {
    type: 'text',
    id: 'customer',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
  });
  const customerLabel = h('label', { for: 'customer' }, 'Customer tenant ID');
  const customerHint = h('p', { class: 'hint', id: 'customer-hint' });
  customer.setAttribute('aria-describedby', 'customer-hint');
  const email = h('input', { type: 'email', id: 'customerAdminEmail', autocomplete: 'off', required: true });
  const type = h(
    'select',
    { id: 'relationshipType' },
    catalogue.relationshipTypes.map((t) => h('option', { value: t.id }, t.name)),
  );
  type.value = 'delegatedAdministrator';
  const typeDescription = h('p', { class: 'hint', id: 'relationshipType-hint', 'aria-live': 'polite' });
  type.setAttribute('aria-describedby', 'relationshipType-hint');
  const roleBoxes: HTMLInputElement[] = [];
  const described = new Map<string, string>();
  const rolesPicker = h(
    'fieldset',
    { class: 'roles-picker', 'data-field': 'roles', id: 'roles' },
    h('legend', {}, 'Admin roles'),
    h(
      'p',
      { class: 'hint' },
      'Pick roles by what you will do for the customer. The recommended role of each task is the least privileged one that does it.',
    ),
    catalogue.tasks.map((task) =>
      h(
        'fieldset',
        { class: 'task', 'data-task': task.id },
        h('legend', {}, task.name),
        task.roles.map((roleId) => {
          const role = catalogue.roles.find((r) => r.id === roleId);
          if (!role) return null;
          const id = `role-${task.id}-${role.id}`;
          // A role serves several tasks (Global Administrator all of them): its description and warning show once, at its first task.
          const first = !described.has(role.id);
          const descriptionId = described.get(role.id) ?? `${id}-description`;
          described.set(role.id, descriptionId);
          const box = h('input', { type: 'checkbox', id, value: role.id, 'aria-describedby': descriptionId });
          roleBoxes.push(box);
          return h(
            'div',
            { class: 'check role-choice', 'data-role': role.id },
            box,
            h(
              'label',
              { for: id },
              role.name,
              role.id === task.recommendedRole ? h('span', { class: 'badge' }, 'Recommended') : null,
              role.warning ? h('span', { class: 'badge badge-warning' }, 'Privileged') : null,
            ),
            first
              ? h(
                  'p',
                  { class: 'hint', id: descriptionId },
                  role.description,
                  role.warning ? h('span', { class: 'role-warning' }, ` Warning: ${role.warning}`) : null,
                )
              : null,
          );
        }),
      ),
    ),
  );
  const duration = h(
    'select',
    { id: 'duration' },
    inviteDurations.map((value) => h('option', { value }, durationInWords(value))),
  );
  duration.value = 'P365D';
  const autoExtend = h('input', { type: 'checkbox', id: 'autoExtend', 'aria-describedby': 'autoExtend-hint' });
  const autoExtendHint = h('p', { class: 'hint', id: 'autoExtend-hint' });
  const text = h('textarea', { id: 'message', rows: '4', maxlength: '2000' });
  const expires = h(
    'select',
    { id: 'expiresInDays' },
    inviteExpiryDays.map((days) => h('option', { value: String(days) }, `${days} days`)),
  );
  expires.value = '30';
  const summary = h('div', { id: 'error-summary' });
  const send = h('button', { type: 'submit', class: 'button primary' }, 'Send invitation');
  const one = h('input', { type: 'radio', name: 'customers', id: 'customers-one', value: 'one', checked: true });
  const many = h('input', { type: 'radio', name: 'customers', id: 'customers-many', value: 'many' });
  const manyPart = h('div', { class: 'many-part', hidden: true });
  let manyCustomers: ReturnType<(typeof import('./invitation-batch.js'))['manyCustomers']> | undefined;
  const emailField = field(
    'customerAdminEmail',
    'Customer admin email',
    email,
    'The invitation goes to this administrator of the customer.',
  );
  emailField.classList.add('one-customer');
  const roleFields = h(
    'div',
    { class: 'role-fields' },
    rolesPicker,
    field('duration', 'Duration', duration, 'How long the partner holds the admin roles once the customer accepts.'),
    h(
      'div',
      { class: 'check', 'data-field': 'autoExtend' },
      autoExtend,
      h('label', { for: 'autoExtend' }, 'Renew automatically every 180 days'),
      autoExtendHint,
    ),
  );
  const form = h(
    'form',
    { class: 'invite-form', novalidate: true, 'aria-labelledby': 'invite-heading' },
    h('h2', { id: 'invite-heading', class: 'visually-hidden' }, 'Invitation'),
    summary,
    h(
      'fieldset',
      { class: 'field invite-choice' },
      h('legend', {}, 'Invite'),
      h(
        'div',
        { class: 'field-row choice-row' },
        h('div', { class: 'check' }, one, h('label', { for: 'customers-one' }, 'One customer')),
        h('div', { class: 'check' }, many, h('label', { for: 'customers-many' }, 'Many customers (CSV file)')),
      ),
    ),
    manyPart,
    h(
      'fieldset',
      { class: 'field one-customer', 'data-field': 'customer' },
      h('legend', {}, 'Customer'),
      h(
        'div',
        { class: 'field-row choice-row' },
        h('div', { class: 'check' }, byTenant, h('label', { for: 'customer-by-tenant' }, 'Tenant ID')),
        h('div', { class: 'check' }, byDomain, h('label', { for: 'customer-by-domain' }, 'Domain')),
      ),
      h('div', { class: 'field' }, customerLabel, customerHint, customer),
    ),
    emailField,
    h(
      'div',
      { class: 'field', 'data-field': 'relationshipType' },
      h('label', { for: 'relationshipType' }, 'Relationship type'),
      type,
      typeDescription,
    ),
    roleFields,
    field('message', 'Message to the customer (optional)', text, 'Shown to the customer admin with the invitation.'),
    field(
      'expiresInDays',
      'Invitation expires after',
      expires,
      'The customer accepts before then; you can send it again while it is pending.',
    ),
    h('div', { class: 'actions' }, send, h('a', { class: 'button', href: `/partner/invitations${query}` }, 'Cancel')),
  );
  content.append(form);

  const chosenRoles = () => [...new Set(roleBoxes.filter((b) => b.checked && !b.disabled).map((b) => b.value))];
  const update = () => {
    const byDomainChosen = byDomain.checked;
    customerLabel.textContent = byDomainChosen ? 'Customer domain' : 'Customer tenant ID';
    customerHint.textContent = byDomainChosen
      ? 'A domain the customer’s Microsoft Entra tenant owns, like contoso.com: its admins find the invitation when they sign in.'
      : 'The customer’s Microsoft Entra tenant ID, like 72f988bf-86f1-41af-91ab-2d7cd011db47.';
    const chosen = catalogue.relationshipTypes.find((t) => t.id === type.value);
    typeDescription.textContent = chosen
      ? `What it lets you do: ${chosen.description}${chosen.roles.length === 0 ? ' It carries no admin roles.' : ''}`
      : '';
    roleFields.hidden = !chosen || chosen.roles.length === 0;
    for (const box of roleBoxes) {
      const allowed = chosen?.roles.includes(box.value) ?? false;
      box.disabled = !allowed;
      const choice = box.closest<HTMLElement>('.role-choice');
      if (choice) choice.hidden = !allowed;
    }
    for (const task of rolesPicker.querySelectorAll<HTMLElement>('fieldset.task'))
      task.hidden = !task.querySelector('.role-choice:not([hidden])');
    const global = chosenRoles().includes(globalAdministrator);
    autoExtend.disabled = global;
    if (global) autoExtend.checked = false;
    autoExtendHint.textContent = global
      ? 'Not available with Global Administrator: the most powerful role always ends, so the customer decides again. Remove Global Administrator to renew automatically.'
      : 'Before the roles end, they renew for 180 days at a time until the customer or you end them.';
  };
  for (const box of roleBoxes) {
    // A role serves several tasks: picking it under one picks it under all.
    box.addEventListener('change', () => {
      for (const other of roleBoxes) if (other.value === box.value) other.checked = box.checked;
      update();
    });
  }
  for (const control of [byTenant, byDomain, type]) control.addEventListener('change', update);
  update();

  /** What every invitation of this form shares: the fields after the customer. */
  const shared = (): Record<string, unknown> => {
    const chosen = catalogue.relationshipTypes.find((t) => t.id === type.value);
    const carriesRoles = (chosen?.roles.length ?? 0) > 0;
    return {
      relationshipType: type.value,
      ...(carriesRoles
        ? { roles: chosenRoles(), duration: duration.value, ...(autoExtend.checked ? { autoExtend: 'P180D' } : {}) }
        : {}),
      ...(text.value.trim() ? { message: text.value.trim() } : {}),
      expiresInDays: Number(expires.value),
    };
  };

  /** One customer or many: Many loads its part (a chunk of its own) the first time it is chosen. */
  const choose = async () => {
    const isMany = many.checked;
    for (const part of form.querySelectorAll<HTMLElement>('.one-customer')) part.hidden = isMany;
    manyPart.hidden = !isMany;
    send.textContent = isMany ? 'Send invitations' : 'Send invitation';
    if (isMany && !manyCustomers) {
      const part = (await import('./invitation-batch.js')).manyCustomers(workspace);
      manyCustomers = part;
      show(manyPart, part.element);
      part.element.querySelector('input[type="file"]')?.addEventListener('change', () => void part.chosen(shared()));
      form.addEventListener('change', (event) => {
        if (!(event.target instanceof HTMLInputElement && event.target.type === 'file')) part.check(shared());
      });
    }
  };
  for (const control of [one, many]) control.addEventListener('change', () => void choose());
  if (new URLSearchParams(location.search).get('customers') === 'many') {
    many.checked = true;
    await choose();
  }

  const clearErrors = () => {
    summary.replaceChildren();
    for (const e of form.querySelectorAll('.field-error')) e.remove();
    for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  };
  /** The form's field of an API path's first part: the customer's tenant id and domain share one. */
  const fieldOf = (name: string) => (name === 'customerTenantId' || name === 'customerDomain' ? 'customer' : name);
  /** Each field named gets its sentence under it, and the summary links to it. */
  const showErrors = (problems: FieldProblem[]) => {
    const links: HTMLElement[] = [];
    for (const { key, label, message: sentence } of problems) {
      const container = form.querySelector<HTMLElement>(`[data-field="${key}"]`);
      const control =
        key === 'customer'
          ? customer
          : key === 'roles'
            ? roleBoxes.find((b) => !b.disabled)
            : form.querySelector<HTMLElement>(`#${key}`);
      const errorId = `${key}-error`;
      container?.append(h('p', { class: 'field-error', id: errorId }, sentence));
      if (control) {
        control.setAttribute('aria-invalid', 'true');
        control.setAttribute('aria-describedby', `${control.getAttribute('aria-describedby') ?? ''} ${errorId}`.trim());
      }
      const link = h('a', { href: `#${control?.id ?? key}` }, h('strong', {}, label), `: ${sentence}`);
      links.push(h('li', {}, link));
    }
    const heading = h(
      'h2',
      { id: 'error-summary-heading' },
      many.checked ? 'Check the invitations' : 'Check the invitation',
    );
    show(
      summary,
      h(
        'div',
        { class: 'error-summary', role: 'alert', 'aria-labelledby': 'error-summary-heading' },
        heading,
        h('ul', {}, links),
      ),
    );
    focus(heading);
  };

  // One key per filled-in form: sending again after a lost answer makes no second invitation.
  let idempotencyKey = crypto.randomUUID();
  form.addEventListener('input', () => {
    idempotencyKey = crypto.randomUUID();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      clearErrors();
      message.replaceChildren();
      if (many.checked) return sendMany();
      const value = customer.value.trim();
      const body = {
        ...(byDomain.checked ? { customerDomain: value } : { customerTenantId: value }),
        customerAdminEmail: email.value.trim(),
        ...shared(),
      };
      send.disabled = true;
      try {
        const { data } = await api<Created>(`${base}/invitations?include=invitationUrl`, {
          method: 'POST',
          token: await workspace.session.token(),
          body,
          headers: { 'Idempotency-Key': idempotencyKey },
        });
        sent(data);
      } catch (error) {
        if (error instanceof ApiError && error.problem.errors && error.problem.errors.length > 0)
          showErrors(
            fieldProblems(
              error.problem.errors.map((e) => e.path),
              fieldOf,
            ),
          );
        else messageBar(message, `The invitation was not sent. ${error instanceof Error ? error.message : ''}`);
      } finally {
        send.disabled = false;
      }
    })();
  });

  /** Sends the file's customers as one batch, and opens the batch's page to follow it. */
  const sendMany = async () => {
    if (!manyCustomers) return;
    const checked = manyCustomers.batch(shared());
    if ('problems' in checked) return showErrors(checked.problems);
    send.disabled = true;
    try {
      const { data } = await api<{ id: string }>(`${base}/invitation-batches`, {
        method: 'POST',
        token: await workspace.session.token(),
        body: checked.body,
        headers: { 'Idempotency-Key': idempotencyKey },
      });
      location.assign(`/partner/invitations/batches/${encodeURIComponent(data.id)}${query}`);
    } catch (error) {
      const paths = error instanceof ApiError ? (error.problem.errors ?? []).map((e) => e.path) : [];
      if (paths.length > 0)
        showErrors(
          paths.some((p) => p.startsWith('rows')) ? [manyCustomers.rowsProblem()] : fieldProblems(paths, fieldOf),
        );
      else messageBar(message, `The invitations were not sent. ${error instanceof Error ? error.message : ''}`);
    } finally {
      send.disabled = false;
    }
  };

  const sent = (invitation: Created) => {
    const heading = h('h2', { id: 'sent-heading' }, 'Invitation sent');
    show(
      content,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'sent-heading' },
        heading,
        h(
          'p',
          {},
          `We emailed the invitation to ${invitation.customerAdminEmail}. You can also pass on its link yourself:`,
        ),
        invitation.invitationUrl
          ? copyableLink('invitation-link', 'Invitation link', invitation.invitationUrl)
          : notice(
              'info',
              'This invitation was already sent. To get its link, select it in Invitations and choose Send again.',
            ),
        h(
          'p',
          { class: 'actions' },
          h('a', { class: 'button', href: `/partner/invitations${query}` }, 'See invitations'),
          h('a', { class: 'button', href: `/partner/invitations/new${query}` }, 'Invite another customer'),
        ),
      ),
    );
    focus(heading);
  };
}
