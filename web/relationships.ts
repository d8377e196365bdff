import { api, ApiError } from './api.js';
import { confirmDialog, focus, formatDate, formatDateTime, h, notice, show } from './dom.js';
import { historyLabels, label, relationshipStatusLabels, relationshipTypeLabel } from './labels.js';
import type { RelationshipView } from '../shared/domain/views.js';
import type { Session } from './sign-in.js';

// Relationships are typed by the view schema the API answers with (a type import: nothing of it is bundled).
type Role = RelationshipView['roles'][number];

export function roleList(roles: Role[], listClass = 'roles'): HTMLElement {
  if (roles.length === 0) return h('p', {}, 'No admin roles.');
  return h(
    'ul',
    { class: listClass },
    roles.map((r) => h('li', {}, h('strong', {}, r.name), ` — ${r.description}`)),
  );
}

function term(name: string, ...value: (Node | string)[]): HTMLElement[] {
  return [h('dt', {}, name), h('dd', {}, ...value)];
}

/**
 * The organization's partners: a list to choose from, and the chosen one's details below it.
 * With `manage`, the details offer removing the admin roles and asking for termination.
 */
export async function showRelationships(
  container: HTMLElement,
  session: Session,
  options: { manage: boolean; headingLevel: 'h2' | 'h3'; onChange?: () => void },
): Promise<void> {
  const base = `/api/customers/${encodeURIComponent(session.tenantId)}/relationships`;
  const status = h('div', { class: 'status-message', 'aria-live': 'polite' });
  const list = h('ul', { class: 'relationship-list' });
  const details = h('section', { class: 'relationship-details', 'aria-label': 'Relationship details', hidden: true });
  const heading = h(options.headingLevel, { id: 'relationships-heading' }, 'Partners your organization works with');
  show(container, heading, status, list, details);

  let selected: string | undefined;

  const load = async () => {
    const token = await session.token();
    const { data } = await api<{ items: RelationshipView[] }>(`${base}?top=50`, { token });
    if (data.items.length === 0) {
      show(list, h('li', { class: 'empty' }, 'Your organization does not work with any partner yet.'));
      return;
    }
    show(
      list,
      data.items.map((r) => {
        const button = h(
          'button',
          {
            type: 'button',
            class: 'relationship-item',
            'aria-expanded': String(r.id === selected),
            'aria-controls': 'relationship-details',
            'data-relationship-id': r.id,
          },
          h('span', { class: 'relationship-partner' }, r.partner.displayName),
          h(
            'span',
            { class: 'relationship-meta' },
            `${relationshipTypeLabel(r.type)} · ${label(relationshipStatusLabels, r.status)} · ${r.roles.length} admin role${r.roles.length === 1 ? '' : 's'}`,
          ),
        );
        button.addEventListener('click', () => void open(r.id));
        return h('li', {}, button);
      }),
    );
  };

  const open = async (id: string) => {
    selected = id;
    for (const b of list.querySelectorAll('button[data-relationship-id]'))
      b.setAttribute('aria-expanded', String(b.getAttribute('data-relationship-id') === id));
    details.id = 'relationship-details';
    details.hidden = false;
    show(details, h('p', { class: 'loading' }, 'Loading…'));
    try {
      const { data: r, etag } = await api<RelationshipView>(`${base}/${encodeURIComponent(id)}`, {
        token: await session.token(),
      });
      renderDetails(r, etag ?? undefined);
    } catch (error) {
      show(details, notice('error', error instanceof Error ? error.message : String(error)));
    }
  };

  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      show(status, notice('success', done));
      options.onChange?.();
      await load();
      if (selected) await open(selected);
    } catch (error) {
      show(
        status,
        notice(
          'error',
          error instanceof ApiError && error.status === 403
            ? 'Only a Global or Billing administrator can do this.'
            : error instanceof Error
              ? error.message
              : String(error),
        ),
      );
    }
  };

  const renderDetails = (r: RelationshipView, etag: string | undefined) => {
    const title = h(
      options.headingLevel === 'h2' ? 'h3' : 'h4',
      { id: 'relationship-details-heading' },
      r.partner.displayName,
    );
    const actions = h('div', { class: 'actions' });
    if (options.manage && r.roles.length > 0 && (r.status === 'active' || r.status === 'terminationRequested')) {
      const remove = h('button', { type: 'button', class: 'button danger' }, 'Remove roles');
      remove.addEventListener('click', () => {
        void confirmDialog({
          title: 'Remove roles?',
          text: [
            `${r.partner.displayName} loses these admin roles in your organization: ${r.roles.map((x) => x.name).join(', ')}.`,
            `The relationship stays: ${r.partner.displayName} remains your partner${/reseller|mpsa/i.test(r.type) ? ' and can still sell to you' : ''}. To end it, request termination.`,
          ],
          yes: 'Yes',
          no: 'No',
        }).then((yes) => {
          if (!yes) return;
          void act(
            async () =>
              api(`${base}/${encodeURIComponent(r.id)}/roles`, {
                method: 'DELETE',
                token: await session.token(),
                headers: etag ? { 'If-Match': etag } : {},
              }),
            `Admin roles removed. ${r.partner.displayName} is still your partner.`,
          );
        });
      });
      actions.append(remove);
    }
    if (options.manage && r.status === 'active') {
      const terminate = h('button', { type: 'button', class: 'button' }, 'Request termination');
      terminate.addEventListener('click', () => {
        const reason = h('textarea', { id: 'termination-reason', rows: '3', maxlength: '2000' });
        void confirmDialog({
          title: 'Request termination?',
          text: [
            `${r.partner.displayName} is asked to end the relationship and is told by email. It stays active until the partner ends it.`,
          ],
          yes: 'Yes',
          no: 'No',
          extra: h('div', { class: 'field' }, h('label', { for: 'termination-reason' }, 'Reason (optional)'), reason),
        }).then((yes) => {
          if (!yes) return;
          const text = reason.value.trim();
          void act(
            async () =>
              api(`${base}/${encodeURIComponent(r.id)}/termination-request`, {
                method: 'POST',
                token: await session.token(),
                body: text ? { reason: text } : {},
                headers: etag ? { 'If-Match': etag } : {},
              }),
            `${r.partner.displayName} was asked to end the relationship.`,
          );
        });
      });
      actions.append(terminate);
    }
    show(
      details,
      title,
      h(
        'dl',
        { class: 'facts' },
        term('Relationship', `${relationshipTypeLabel(r.type)} — ${r.typeDescription}`),
        term('Status', label(relationshipStatusLabels, r.status)),
        term('Admin roles', roleList(r.roles)),
        r.endedRoles.length > 0 && r.rolesEndedAt
          ? term(
              `Admin roles ended ${formatDate(r.rolesEndedAt)}`,
              h('p', { class: 'hint' }, `${r.partner.displayName} no longer holds these roles:`),
              roleList(r.endedRoles, 'roles ended-roles'),
            )
          : [],
        r.activatedAt ? term('Roles since', formatDate(r.activatedAt)) : [],
        r.endsAt ? term('Roles until', formatDate(r.endsAt)) : [],
        term('Partner since', formatDate(r.createdAt)),
        r.agreement
          ? term(
              'Customer Agreement',
              `Version ${r.agreement.version}, accepted ${formatDate(r.agreement.acceptedAt)}${r.agreement.acceptedBy.name ? ` by ${r.agreement.acceptedBy.name}` : ''}`,
            )
          : term('Customer Agreement', 'Not accepted'),
      ),
      actions.childElementCount > 0 ? actions : null,
      r.history && r.history.length > 0
        ? [
            h(options.headingLevel === 'h2' ? 'h4' : 'h5', {}, 'History'),
            h(
              'ol',
              { class: 'history' },
              r.history.map((e) =>
                h(
                  'li',
                  {},
                  h('time', { datetime: e.at }, formatDateTime(e.at)),
                  ` ${label(historyLabels, e.action)}${e.actor?.name ? ` by ${e.actor.name}` : ''}${e.reason ? ` (“${e.reason}”)` : ''}`,
                ),
              ),
            ),
          ]
        : null,
    );
    focus(title);
  };

  try {
    await load();
  } catch (error) {
    show(list, h('li', {}, notice('error', error instanceof Error ? error.message : String(error))));
  }
}
