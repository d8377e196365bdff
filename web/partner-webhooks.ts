import { fieldMessage, webhookUrlRefused, type FieldMessage } from '../shared/domain/field-messages.js';
import {
  answerOf,
  deliveryStatusLabels,
  eventsText,
  eventWords,
  groupOf,
  groupName,
  lastDeliveryText as lastDeliveryOf,
  outcomeLabels,
  subscriptionStatusText,
  testEvent,
} from '../shared/domain/webhook-labels.js';
import type { DeliveryView, SubscriptionView } from '../shared/domain/webhooks.js';
import { api, ApiError } from './api.js';
import { byId, confirmDialog, focus, formatDateTime, h, notice, show } from './dom.js';
import { commandBar, emptyRow, messageBar, skeletonRows, type Command } from './page-parts.js';
import { flyout, partnerList } from './partner-list.js';
import { copyableLink, openPartnerWorkspace, type PartnerWorkspace } from './partner-workspace.js';

/**
 * Webhooks (/partner/webhooks, the link in the webhook-disabled email): the partner's subscriptions
 * with their status and last delivery; the command bar adds one (a form in a side panel: endpoint
 * URL, the events grouped by what they are about, a description), edits it under If-Match, turns it
 * on or off, rotates its signing secret, sends a test event and deletes it after a question. The
 * signing secret shows once, after adding or rotating. A subscription's details panel (which
 * `?subscription=<id>` opens) lists its deliveries, each one's attempts, and redelivers one.
 */
type Subscription = SubscriptionView & { lastDelivery?: DeliveryView | undefined };
type Secret = SubscriptionView & { secret: string };

const statusText = (s: SubscriptionView) => subscriptionStatusText(s, formatDateTime);
const lastDeliveryText = (d: DeliveryView | undefined) => lastDeliveryOf(d, formatDateTime);

function term(name: string, ...value: (Node | string)[]): HTMLElement[] {
  return [h('dt', {}, name), h('dd', {}, ...value)];
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The signing secret, once: with Copy, and the sentence that it will not be shown again.
 */
function secretCard(subscription: Secret, rotated: boolean): HTMLElement {
  const heading = h(
    'h2',
    { id: 'secret-heading' },
    rotated ? 'New signing secret' : 'Webhook added: its signing secret',
  );
  return h(
    'section',
    { class: 'card secret-card', 'aria-labelledby': 'secret-heading' },
    heading,
    h(
      'p',
      {},
      `Your receiver at ${subscription.url} checks every delivery's signature with this secret (Standard Webhooks).${rotated ? ' Deliveries from now on are signed with it; the old secret no longer verifies them.' : ''}`,
    ),
    copyableLink('signing-secret', 'Signing secret', subscription.secret, {
      copy: 'Copy secret',
      copied: 'Secret copied.',
      what: 'secret',
    }),
    h(
      'p',
      { class: 'secret-warning' },
      h('strong', {}, 'Copy it now: this secret will not be shown again. '),
      'If you lose it, rotate the secret to get a new one.',
    ),
  );
}

/** The add and edit form: endpoint URL, the events grouped by what they are about (with All events), a description. */
function webhookForm(
  types: readonly string[],
  current: SubscriptionView | undefined,
  submit: (body: { url: string; eventTypes: string[]; description: string }) => Promise<void>,
  cancel: () => void,
) {
  const offered = types.filter((t) => t !== testEvent);
  const url = h('input', {
    type: 'url',
    id: 'url',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'url-hint',
    value: current?.url ?? '',
  });
  const description = h('input', {
    type: 'text',
    id: 'description',
    maxlength: '200',
    'aria-describedby': 'description-hint',
    value: current?.description ?? '',
  });
  const all = h('input', { type: 'checkbox', id: 'event-all' });
  const boxes = offered.map((type) => {
    const box = h('input', { type: 'checkbox', id: `event-${type}`, value: type });
    box.checked = current?.eventTypes.some((t) => t === type) ?? false;
    return box;
  });
  const groups = [...new Set(offered.map(groupOf))];
  const syncAll = () => {
    const checked = boxes.filter((b) => b.checked).length;
    all.checked = checked === boxes.length;
    all.indeterminate = checked > 0 && checked < boxes.length;
  };
  all.addEventListener('change', () => {
    for (const box of boxes) box.checked = all.checked;
    syncAll();
  });
  for (const box of boxes) box.addEventListener('change', syncAll);
  syncAll();
  const summary = h('div', { id: 'webhook-error-summary' });
  const save = h('button', { type: 'submit', class: 'button primary' }, current ? 'Save' : 'Add webhook');
  const cancelButton = h('button', { type: 'button', class: 'button' }, 'Cancel');
  cancelButton.addEventListener('click', cancel);
  const events = h(
    'fieldset',
    { class: 'event-picker', 'data-field': 'eventTypes', id: 'eventTypes' },
    h('legend', {}, 'Events'),
    h('p', { class: 'hint' }, 'The events sent to this endpoint. Test events are sent whatever you choose.'),
    h('div', { class: 'check' }, all, h('label', { for: 'event-all' }, 'All events')),
    groups.map((group) =>
      h(
        'fieldset',
        { class: 'task' },
        h('legend', {}, groupName(group)),
        boxes
          .filter((b) => groupOf(b.value) === group)
          .map((box) =>
            h(
              'div',
              { class: 'check' },
              box,
              h('label', { for: box.id }, eventWords(box.value), ' ', h('code', {}, box.value)),
            ),
          ),
      ),
    ),
  );
  const form = h(
    'form',
    { class: 'webhook-form', novalidate: true, 'aria-labelledby': 'webhook-form-heading' },
    h('h2', { id: 'webhook-form-heading' }, current ? 'Edit webhook' : 'Add webhook'),
    summary,
    h(
      'div',
      { class: 'field', 'data-field': 'url' },
      h('label', { for: 'url' }, 'Endpoint URL'),
      h(
        'p',
        { class: 'hint', id: 'url-hint' },
        'The https address your receiver listens on, on the public internet. Events are posted to it, signed.',
      ),
      url,
    ),
    events,
    h(
      'div',
      { class: 'field', 'data-field': 'description' },
      h('label', { for: 'description' }, 'Description (optional)'),
      h('p', { class: 'hint', id: 'description-hint' }, 'What the endpoint is, for your colleagues: "PSA tickets".'),
      description,
    ),
    h('div', { class: 'actions' }, save, cancelButton),
  );

  const clearErrors = () => {
    summary.replaceChildren();
    for (const e of form.querySelectorAll('.field-error')) e.remove();
    for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  };
  const controlOf = (field: string): HTMLElement | undefined =>
    field === 'url' ? url : field === 'description' ? description : field === 'eventTypes' ? all : undefined;
  /** Each field gets its sentence under it, and the summary links to it. */
  const showErrors = (errors: Map<string, FieldMessage>) => {
    const links: HTMLElement[] = [];
    for (const [field, { label, message }] of errors) {
      const container = form.querySelector<HTMLElement>(`[data-field="${field}"]`) ?? form;
      const control = controlOf(field);
      const errorId = `${field}-error`;
      container.append(h('p', { class: 'field-error', id: errorId }, message));
      if (control) {
        control.setAttribute('aria-invalid', 'true');
        control.setAttribute('aria-describedby', `${control.getAttribute('aria-describedby') ?? ''} ${errorId}`.trim());
      }
      links.push(h('li', {}, h('a', { href: `#${control?.id ?? field}` }, h('strong', {}, label), `: ${message}`)));
    }
    const heading = h('h3', { id: 'webhook-error-heading' }, 'Check the webhook');
    show(
      summary,
      h(
        'div',
        { class: 'error-summary', role: 'alert', 'aria-labelledby': 'webhook-error-heading' },
        heading,
        h('ul', {}, links),
      ),
    );
    focus(heading);
  };
  /** What the page can tell before sending: an absolute http(s) URL without a user name, and some event. */
  const localErrors = (value: string, chosen: string[]) => {
    const errors = new Map<string, FieldMessage>();
    let parsed: URL | undefined;
    try {
      parsed = new URL(value);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password)
      errors.set('url', fieldMessage('url'));
    if (chosen.length === 0) errors.set('eventTypes', fieldMessage('eventTypes'));
    return errors;
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      clearErrors();
      const body = {
        url: url.value.trim(),
        eventTypes: boxes.filter((b) => b.checked).map((b) => b.value),
        description: description.value.trim(),
      };
      const local = localErrors(body.url, body.eventTypes);
      if (local.size > 0) {
        showErrors(local);
        return;
      }
      save.disabled = true;
      try {
        await submit(body);
      } catch (error) {
        if (!(error instanceof ApiError) || !error.problem.errors?.length) throw error;
        // The URL looked right here, so the service refused where it leads (no host, or a private network).
        showErrors(
          new Map(
            error.problem.errors.map((e) => {
              const field = e.path.split('.')[0] ?? '';
              return [field, field === 'url' ? webhookUrlRefused : fieldMessage(field)] as const;
            }),
          ),
        );
      } finally {
        save.disabled = false;
      }
    })().catch((error: unknown) => {
      show(summary, notice('error', `The webhook was not saved. ${errorText(error)}`));
    });
  });
  return { form, focus: () => url.focus() };
}

export async function initPartnerWebhooks(): Promise<void> {
  const workspace = await openPartnerWorkspace('/partner/webhooks');
  if (!workspace) return;
  const { content, base } = workspace;
  const message = h('div', { id: 'page-message' });
  const status = h('div', { class: 'status-message', 'aria-live': 'polite' });
  const token = () => workspace.session.token();
  const subscriptionPath = (s: SubscriptionView) => `${base}/webhooks/${encodeURIComponent(s.id)}`;
  let types: readonly string[] = [];
  try {
    types = (await api<{ items: string[] }>('/api/webhook-event-types')).data.items;
  } catch (error) {
    content.append(message);
    messageBar(message, `The event types could not be loaded. ${errorText(error)}`, () => void initPartnerWebhooks());
    return;
  }

  let shown: SubscriptionView | undefined;
  const details = flyout('Webhook details', () => {
    if (shown) list.focusRow(shown.id);
    shown = undefined;
  });
  // Deliveries are a table of seven columns: the panel is wider than a lead's.
  details.dialog.classList.add('flyout-wide');
  const formPanel = flyout('Webhook', () => {
    const selected = list.selected();
    if (selected) list.focusRow(selected.id);
    else byId('commands').querySelector<HTMLElement>('button')?.focus();
  });

  /** Says how an action went: in the open details panel, else above the table. */
  const say = (kind: 'success' | 'error', ...children: (Node | string)[]) => {
    if (details.isOpen()) details.body.prepend(notice(kind, ...children));
    else if (kind === 'error')
      messageBar(message, children.map((c) => (typeof c === 'string' ? c : c.textContent)).join(''));
    else show(status, notice(kind, ...children));
  };
  const clear = () => {
    message.replaceChildren();
    status.replaceChildren();
  };
  /** Someone else changed the webhook since the page read it: nothing was overwritten; the page shows it as it is. */
  const changedElsewhere = async (s: SubscriptionView) => {
    await list.load();
    const now = list.byId(s.id);
    if (details.isOpen() && now) await showDetails(now);
    say(
      'error',
      h('strong', {}, 'Webhook changed by someone else. '),
      `Someone else changed the webhook for ${s.url} since the page showed it, so your change was not made. Check it as it is now and choose again.`,
    );
  };

  /** Runs one change of a subscription under If-Match, then draws the list (and the open panel) again. */
  const change = async <T>(
    s: SubscriptionView,
    request: { method: string; path?: string; body?: unknown },
    failure: string,
    done: (data: T) => void | Promise<void>,
  ) => {
    clear();
    try {
      const { data } = await api<T>(`${subscriptionPath(s)}${request.path ?? ''}`, {
        method: request.method,
        token: await token(),
        ...(request.body !== undefined ? { body: request.body } : {}),
        headers: { 'If-Match': s.etag },
      });
      await list.load();
      const now = list.byId(s.id);
      if (details.isOpen() && now) await showDetails(now);
      await done(data);
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) await changedElsewhere(s);
      else say('error', `${failure} ${errorText(error)}`);
    }
  };

  const toggle = (s: SubscriptionView) =>
    change<SubscriptionView>(
      s,
      { method: 'PATCH', body: { enabled: s.status !== 'enabled' } },
      s.status === 'enabled' ? 'The webhook was not disabled.' : 'The webhook was not enabled.',
      (data) =>
        say(
          'success',
          data.status === 'enabled'
            ? `The webhook for ${data.url} is enabled: events are sent to it again. Redeliver from its details what it missed.`
            : `The webhook for ${data.url} is disabled: no events are sent to it until you enable it.`,
        ),
    );

  const rotate = async (s: SubscriptionView) => {
    const yes = await confirmDialog({
      title: 'Rotate signing secret?',
      text: [
        `Deliveries to ${s.url} are signed with a new secret from now on: the old one no longer verifies them.`,
        'Put the new secret into your receiver straight away. It is shown once.',
      ],
      yes: 'Rotate secret',
      no: 'Cancel',
    });
    if (!yes) return;
    await change<Secret>(s, { method: 'POST', path: '/rotate-secret' }, 'The secret was not rotated.', (data) => {
      const card = secretCard(data, true);
      if (details.isOpen()) details.body.prepend(card);
      else show(status, card);
      focus(byId('secret-heading'));
    });
  };

  const remove = async (s: SubscriptionView) => {
    const yes = await confirmDialog({
      title: 'Delete webhook?',
      text: [
        `No more events are sent to ${s.url}, and deliveries still waiting are dropped.`,
        'To receive events there again, add a new webhook: it gets a new signing secret.',
      ],
      yes: 'Delete webhook',
      no: 'Cancel',
    });
    if (!yes) return;
    if (details.isOpen()) details.shut();
    await change<unknown>(s, { method: 'DELETE' }, 'The webhook was not deleted.', () =>
      say('success', `The webhook for ${s.url} is deleted.`),
    );
  };

  const sendTest = async (s: SubscriptionView) => {
    clear();
    try {
      await api<DeliveryView>(`${subscriptionPath(s)}/test`, { method: 'POST', token: await token() });
      await list.load();
      if (details.isOpen()) await showDetails(list.byId(s.id) ?? s);
      say(
        'success',
        `A test event is on its way to ${s.url}.${details.isOpen() ? '' : ' Open the webhook to follow its delivery.'}`,
      );
    } catch (error) {
      say('error', `The test event was not sent. ${errorText(error)}`);
    }
  };

  const redeliver = async (s: SubscriptionView, d: DeliveryView) => {
    try {
      await api<DeliveryView>(`${subscriptionPath(s)}/deliveries/${encodeURIComponent(d.id)}/redeliver`, {
        method: 'POST',
        token: await token(),
      });
      await showDetails(s);
      say(
        'success',
        `The ${eventWords(d.eventType).toLowerCase()} event of ${formatDateTime(d.eventTime)} is sent again.`,
      );
    } catch (error) {
      say('error', `It was not sent again. ${errorText(error)}`);
    }
  };

  /** The add or edit form in its panel; saving closes it and says how it went. */
  const openForm = (current: SubscriptionView | undefined) => {
    clear();
    if (details.isOpen()) details.shut();
    let editing = current;
    const draw = () => {
      const { form, focus: focusFirst } = webhookForm(
        types,
        editing,
        async (body) => {
          if (!editing) {
            const { data } = await api<Secret>(`${base}/webhooks`, {
              method: 'POST',
              token: await token(),
              body: {
                url: body.url,
                eventTypes: body.eventTypes,
                ...(body.description ? { description: body.description } : {}),
              },
            });
            formPanel.shut();
            await list.load();
            show(status, secretCard(data, false));
            focus(byId('secret-heading'));
            return;
          }
          try {
            const { data } = await api<SubscriptionView>(subscriptionPath(editing), {
              method: 'PATCH',
              token: await token(),
              body,
              headers: { 'If-Match': editing.etag },
            });
            formPanel.shut();
            await list.load();
            say('success', `The webhook for ${data.url} is saved.`);
          } catch (error) {
            if (!(error instanceof ApiError) || error.status !== 412) throw error;
            // Show the webhook as it is now; the person makes their change again on top of it.
            const { data } = await api<SubscriptionView>(subscriptionPath(editing), { token: await token() });
            editing = data;
            draw();
            formPanel.body.prepend(
              notice(
                'error',
                h('strong', {}, 'Webhook changed by someone else. '),
                'Someone else changed this webhook since you opened it, so your changes were not saved. The form now shows it as it is: make your change again.',
              ),
            );
          }
        },
        () => formPanel.shut(),
      );
      show(formPanel.body, form);
      formPanel.dialog.setAttribute('aria-labelledby', 'webhook-form-heading');
      focusFirst();
    };
    if (!formPanel.isOpen()) formPanel.dialog.showModal();
    draw();
  };

  /** A delivery's rows: its summary, and its attempts under it once shown. */
  const deliveryRows = (s: SubscriptionView, d: DeliveryView, index: number) => {
    const last = d.attempts.at(-1);
    const attemptsId = `delivery-attempts-${index}`;
    const toggle = h(
      'button',
      { type: 'button', class: 'link-button', 'aria-expanded': 'false', 'aria-controls': attemptsId },
      `${d.attempts.length} ${d.attempts.length === 1 ? 'attempt' : 'attempts'}`,
    );
    const again = h(
      'button',
      {
        type: 'button',
        class: 'button',
        'aria-label': `Redeliver ${eventWords(d.eventType)} of ${formatDateTime(d.eventTime)}`,
      },
      'Redeliver',
    );
    again.addEventListener('click', () => void redeliver(s, d));
    const attempts = h(
      'tr',
      { id: attemptsId, class: 'attempts-row', hidden: true },
      h(
        'td',
        { colspan: '7', class: 'attempts-cell' },
        d.attempts.length === 0
          ? h('p', {}, d.nextAttemptAt ? `First attempt at ${formatDateTime(d.nextAttemptAt)}.` : 'Not tried yet.')
          : h(
              'ol',
              { class: 'attempts' },
              d.attempts.map((a) =>
                h(
                  'li',
                  {},
                  h('time', { datetime: a.at }, formatDateTime(a.at)),
                  ` ${outcomeLabels[a.outcome]}: ${answerOf(a)}, ${a.durationMs} ms`,
                  a.responseExcerpt ? h('span', { class: 'hint cell-detail' }, `Answer: ${a.responseExcerpt}`) : null,
                ),
              ),
            ),
        d.status === 'pending' && d.nextAttemptAt && d.attempts.length > 0
          ? h('p', { class: 'hint' }, `Next attempt at ${formatDateTime(d.nextAttemptAt)}.`)
          : null,
      ),
    );
    toggle.addEventListener('click', () => {
      attempts.hidden = !attempts.hidden;
      toggle.setAttribute('aria-expanded', String(!attempts.hidden));
    });
    return [
      h(
        'tr',
        { 'data-delivery': d.id },
        h('td', {}, h('time', { datetime: d.eventTime }, formatDateTime(d.eventTime))),
        h('td', {}, h('code', {}, d.eventType)),
        h('td', {}, deliveryStatusLabels[d.status]),
        h('td', {}, last?.statusCode !== undefined ? String(last.statusCode) : last ? (last.error ?? '—') : '—'),
        h('td', {}, last ? `${last.durationMs} ms` : '—'),
        h('td', {}, toggle),
        // A disabled webhook sends nothing, so nothing can be sent again until it is enabled.
        h('td', {}, s.status === 'enabled' ? again : ''),
      ),
      attempts,
    ];
  };

  /** Reads the deliveries again while one is still on its way, as long as the panel shows them. */
  let polling: number | undefined;
  const deliveriesSection = async (s: SubscriptionView): Promise<HTMLElement> => {
    const rows = h('tbody', {}, skeletonRows(7));
    const older = h('button', { type: 'button', class: 'button', hidden: true }, 'Show older deliveries');
    const refresh = h('button', { type: 'button', class: 'button' }, 'Refresh deliveries');
    const table = h(
      'table',
      { class: 'data-table deliveries', 'aria-busy': 'true' },
      h('caption', { class: 'visually-hidden' }, `Deliveries to ${s.url}, newest event first`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Time', 'Event', 'Status', 'Response', 'Duration', 'Attempts'].map((c) => h('th', { scope: 'col' }, c)),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
        ),
      ),
      rows,
    );
    const section = h(
      'section',
      { class: 'deliveries-section', 'aria-labelledby': 'deliveries-heading' },
      h('h3', { id: 'deliveries-heading' }, 'Deliveries'),
      h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Deliveries table' }, table),
      h('div', { class: 'actions' }, older, refresh),
    );
    let items: DeliveryView[] = [];
    let continuation: string | null = null;
    const load = async (more: boolean) => {
      window.clearTimeout(polling);
      table.setAttribute('aria-busy', 'true');
      try {
        const page = more && continuation ? `&continuationToken=${encodeURIComponent(continuation)}` : '';
        const { data } = await api<{ items: DeliveryView[]; continuationToken: string | null }>(
          `${subscriptionPath(s)}/deliveries?top=20${page}`,
          { token: await token() },
        );
        items = more ? [...items, ...data.items] : data.items;
        continuation = data.continuationToken;
        older.hidden = !continuation;
        if (items.length === 0)
          show(
            rows,
            emptyRow(
              7,
              s.status === 'enabled'
                ? 'No deliveries yet. Send a test event to check that your receiver gets it and verifies its signature.'
                : 'No deliveries yet. Enable the webhook to have events sent to it.',
            ),
          );
        else
          show(
            rows,
            items.flatMap((d, i) => deliveryRows(s, d, i)),
          );
        if (items.some((d) => d.status === 'pending'))
          polling = window.setTimeout(() => {
            if (details.isOpen() && section.isConnected) void load(false);
          }, 2000);
      } catch (error) {
        show(
          rows,
          emptyRow(
            7,
            `The deliveries could not be loaded. ${errorText(error)} Choose Refresh deliveries to try again.`,
          ),
        );
      } finally {
        table.removeAttribute('aria-busy');
      }
    };
    older.addEventListener('click', () => void load(true));
    refresh.addEventListener('click', () => void load(false));
    void load(false);
    return section;
  };

  const panelActions = (s: SubscriptionView) => {
    const button = (text: string, run: () => void, kind = 'button') => {
      const b = h('button', { type: 'button', class: kind }, text);
      b.addEventListener('click', run);
      return b;
    };
    return h(
      'div',
      { class: 'actions' },
      s.status === 'enabled' ? button('Send test event', () => void sendTest(s), 'button primary') : null,
      button(s.status === 'enabled' ? 'Disable' : 'Enable', () => void toggle(s)),
      button('Edit', () => openForm(s)),
      button('Rotate secret', () => void rotate(s)),
      button('Delete', () => void remove(s), 'button danger'),
    );
  };

  const showDetails = async (s: SubscriptionView) => {
    shown = s;
    show(
      details.body,
      h('h2', { id: 'webhook-details-heading', class: 'webhook-url' }, s.url),
      h(
        'dl',
        { class: 'facts' },
        term('Status', statusText(s)),
        term('Events', eventsText(s.eventTypes, types)),
        s.description ? term('Description', s.description) : [],
        term('Added', formatDateTime(s.createdAt)),
        s.updatedAt !== s.createdAt ? term('Changed', formatDateTime(s.updatedAt)) : [],
      ),
      panelActions(s),
      await deliveriesSection(s),
    );
    details.dialog.setAttribute('aria-labelledby', 'webhook-details-heading');
  };
  const openDetails = async (s: SubscriptionView) => {
    clear();
    if (!details.isOpen()) details.dialog.showModal();
    await showDetails(s);
    focus(byId('webhook-details-heading'));
  };

  const selectReason = (s: SubscriptionView | undefined) => (s ? undefined : 'Select a webhook first.');
  const { element, list } = webhookList(workspace, types, {
    open: (s) => void openDetails(s),
    changed: () => {
      const s = list.selected();
      const reason = selectReason(s);
      const commands: Command[] = [
        { label: 'Add webhook', run: () => openForm(undefined) },
        { label: 'Edit', disabledReason: reason, run: () => s && openForm(s) },
        {
          label: s?.status === 'disabled' ? 'Enable' : 'Disable',
          disabledReason: reason,
          run: () => s && void toggle(s),
        },
        { label: 'Rotate secret', disabledReason: reason, run: () => s && void rotate(s) },
        {
          label: 'Send test event',
          disabledReason:
            reason ??
            (s?.status === 'disabled' ? 'Enable the webhook first: a disabled one gets no events.' : undefined),
          run: () => s && void sendTest(s),
        },
        { label: 'Delete', disabledReason: reason, run: () => s && void remove(s) },
        { label: 'Refresh', run: () => void list.load() },
      ];
      commandBar(byId('commands'), commands);
    },
    failed: (error, retry) => messageBar(message, `The webhooks could not be loaded. ${errorText(error)}`, retry),
  });
  content.append(message, status, element);
  await list.load();
  // The webhook-disabled email links its subscription: its details open.
  const linked = new URLSearchParams(location.search).get('subscription');
  const found = linked ? list.byId(linked) : undefined;
  if (found) await openDetails(found);
  else if (linked)
    messageBar(
      message,
      'The webhook the link names is not one of your organization’s any more: it may have been deleted.',
    );
}

/** The subscriptions table, each with its last delivery (read with the list: a partner has at most ten). */
function webhookList(
  workspace: PartnerWorkspace,
  types: readonly string[],
  options: {
    open: (s: Subscription) => void;
    changed: () => void;
    failed: (error: unknown, retry: () => void) => void;
  },
) {
  const { element, list } = partnerList<Subscription>(workspace, {
    noun: 'webhooks',
    path: `${workspace.base}/webhooks`,
    nameTitle: 'Endpoint URL',
    name: (s) => s.url,
    nameDetail: (s) => s.description ?? '',
    columns: [
      { title: 'Events', cell: (s) => eventsText(s.eventTypes, types) },
      { title: 'Status', cell: (s) => statusText(s) },
      { title: 'Last delivery', cell: (s) => lastDeliveryText(s.lastDelivery) },
    ],
    complete: (items) =>
      Promise.all(
        items.map(async (s) => {
          const { data } = await api<{ items: DeliveryView[] }>(
            `${workspace.base}/webhooks/${encodeURIComponent(s.id)}/deliveries?top=1`,
            { token: await workspace.session.token() },
          );
          return { ...s, lastDelivery: data.items[0] };
        }),
      ),
    open: options.open,
    empty: () =>
      'No webhooks yet. Choose Add webhook to send your organization’s events (invitations, relationships and more) to your PSA, CRM or automation, signed.',
    changed: options.changed,
    failed: options.failed,
  });
  return { element, list };
}
