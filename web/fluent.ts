/**
 * The Fluent 2 web components the signed-in pages use, defined once. app.js loads this chunk only on
 * those pages (they need JavaScript anyway); the public pages stay plain HTML and CSS. Their theme is
 * the CSS custom properties of app.css (fluent-tokens.css), so no theme script runs.
 */
import '@fluentui/web-components/message-bar.js';
import '@fluentui/web-components/tab.js';
import '@fluentui/web-components/tablist.js';
