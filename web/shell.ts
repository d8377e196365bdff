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
  button.addEventListener('click', () => setOpen(button.getAttribute('aria-expanded') !== 'true'));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && nav.classList.contains('open')) {
      setOpen(false);
      button.focus();
    }
  });
}
