import { download } from './api.js';
import { notice, show } from './dom.js';
import { messageBar, type Command } from './page-parts.js';
import type { Session } from './sign-in.js';

/**
 * The command bar's Export: the CSV the API makes of `path()` (the list as the page's filter has
 * it, every page of it), fetched with the signed-in person's token and saved under the name the
 * API gives it. It needs JavaScript: the token lives in the page, not in a cookie a plain link
 * would send.
 */
export function exportCommand(
  session: Session,
  path: () => string,
  places: { status: HTMLElement; message: HTMLElement },
): Command {
  const run = async () => {
    places.status.replaceChildren();
    try {
      const file = await download(path(), { token: await session.token(), accept: 'text/csv' });
      save(file.blob, file.filename);
      show(places.status, notice('success', `Exported: ${file.filename} is in your downloads.`));
    } catch (error) {
      messageBar(
        places.message,
        `The export could not be made. ${error instanceof Error ? error.message : ''}`,
        () => void run(),
      );
    }
  };
  return { label: 'Export', run: () => void run() };
}

/** Hands a file to the browser's downloads, named `filename`. */
export function save(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once it started; the next task is after the click's.
  setTimeout(() => URL.revokeObjectURL(url));
}
