/** Builds web/app.ts and web/app.css into `outdir` (default dist/web), replacing what was there. */
export function buildWeb(outdir?: string): Promise<void>;
