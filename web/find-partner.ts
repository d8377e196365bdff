import { api, ApiError, type FieldError } from './api.js';
import { fieldMessage } from '../shared/domain/field-messages.js';
import { byId, focus, h, show } from './dom.js';

const maxPartners = 5;

/** Search results: a live count of the selection, and no empty or oversized request. */
export function initFindPartner(): void {
  const form = document.getElementById('results-form') as HTMLFormElement | null;
  if (!form) return;
  const count = byId('selection-count');
  const boxes = () => [...form.querySelectorAll<HTMLInputElement>('input[name="partnerIds"]')];
  const update = () => {
    const selected = boxes().filter((b) => b.checked).length;
    count.textContent = selected === 0 ? 'No partner selected yet.' : `${selected} of at most ${maxPartners} selected.`;
    count.classList.toggle('too-many', selected > maxPartners);
    if (selected > maxPartners) count.textContent = `${selected} selected: choose at most ${maxPartners}.`;
  };
  form.addEventListener('change', update);
  form.addEventListener('submit', (event) => {
    const selected = boxes().filter((b) => b.checked).length;
    // Sort and More partners (a `formaction` of their own) reload the results with the selection so far, which may be empty.
    const browsing = event.submitter?.hasAttribute('formaction') === true;
    if ((browsing || selected >= 1) && selected <= maxPartners) return;
    event.preventDefault();
    count.textContent =
      selected === 0 ? 'Select at least one partner to contact.' : `Choose at most ${maxPartners} partners.`;
    focus(count);
  });
  update();
}

/** The contact form: sent with fetch, with each problem shown at its field; the thank-you page after. */
export function initContact(): void {
  const form = byId<HTMLFormElement>('contact-form');
  const summary = byId('form-errors');
  // The server's messages are the ones shown (the same rules as without JavaScript).
  form.noValidate = true;
  // One key per attempt: a retry after a lost answer is the same request, and is not sent twice.
  let idempotencyKey = crypto.randomUUID();
  const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;

  const clearErrors = () => {
    summary.hidden = true;
    summary.replaceChildren();
    for (const p of form.querySelectorAll<HTMLElement>('[data-error-for]')) {
      p.hidden = true;
      p.textContent = '';
    }
    for (const field of form.querySelectorAll('[aria-invalid]')) {
      field.removeAttribute('aria-invalid');
      const describedBy = (field.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .filter((id) => id && !id.endsWith('-error'));
      if (describedBy.length > 0) field.setAttribute('aria-describedby', describedBy.join(' '));
      else field.removeAttribute('aria-describedby');
    }
  };

  const position = (error: FieldError) => {
    const field = form.elements.namedItem(error.path.split('.')[0] ?? '');
    return field instanceof HTMLElement ? [...form.elements].indexOf(field) : -1;
  };

  const showErrors = (detail: string, errors: FieldError[]) => {
    // In the order of the form, so the summary reads like the page.
    const items = [...errors]
      .sort((a, b) => position(a) - position(b))
      .map((error) => {
        const name = error.path.split('.')[0] ?? '';
        const field = form.elements.namedItem(name);
        const message = form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(name)}"]`);
        const { message: sentence } = fieldMessage(error.path);
        if (message && field instanceof HTMLElement) {
          message.textContent = sentence;
          message.hidden = false;
          field.setAttribute('aria-invalid', 'true');
          field.setAttribute(
            'aria-describedby',
            [field.getAttribute('aria-describedby'), message.id].filter(Boolean).join(' '),
          );
          const label = (form.querySelector(`label[for="${CSS.escape(field.id)}"]`)?.textContent ?? name).replace(
            /[.?:]+$/,
            '',
          );
          return h('li', {}, h('a', { href: `#${field.id}` }, `${label} — ${sentence}`));
        }
        return h('li', {}, sentence);
      });
    show(
      summary,
      h('h2', {}, 'Please check your request'),
      h('p', {}, detail),
      items.length > 0 ? h('ul', {}, items) : null,
    );
    summary.hidden = false;
    focus(summary);
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors();
    const data = new FormData(form);
    const body: Record<string, unknown> = { partnerIds: data.getAll('partnerIds') };
    for (const [key, value] of data) if (key !== 'partnerIds' && typeof value === 'string') body[key] = value;
    body.consentToContact = data.has('consentToContact');
    body.consentToShareDetails = data.has('consentToShareDetails');
    submit.disabled = true;
    submit.textContent = 'Sending…';
    void api<{ id: string }>('/api/contact-requests', {
      method: 'POST',
      body,
      headers: { 'Idempotency-Key': idempotencyKey },
    })
      .then(({ data: accepted }) => location.assign(`/contact/thank-you?id=${encodeURIComponent(accepted.id)}`))
      .catch((error: unknown) => {
        submit.disabled = false;
        submit.textContent = 'Send request';
        // Refused requests stored nothing: the corrected one is a new request.
        if (error instanceof ApiError && error.status !== 0) idempotencyKey = crypto.randomUUID();
        if (error instanceof ApiError && error.problem.errors?.length)
          showErrors('Nothing was sent yet. Correct these and send the request again:', error.problem.errors);
        else if (error instanceof ApiError) showErrors(error.message, []);
        else showErrors('The request could not be sent.', []);
      });
  });
}
