import { byId } from './dom.js';

/** The admin shell's menu button: on a phone the navigation folds behind it (CSS shows it there only). */
export function initShell(): void {
  const button = byId<HTMLButtonElement>('menu-button');
  const nav = byId('side-nav');
  const setOpen = (open: boolean) => {
    button.setAttribute('aria-expanded', String(open));
    nav.classList.toggle('open', open);
  };
  button.hidden = false;
  document.body.classList.add('has-menu');
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') !== 'true';
    setOpen(open);
    // The top bar's links come between the button and the navigation: the focus goes to it.
    if (open) nav.querySelector<HTMLElement>('a[aria-current="page"], a')?.focus();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && nav.classList.contains('open')) {
      setOpen(false);
      button.focus();
    }
  });
}
