// Kept in a file (not inline) so the Content-Security-Policy can forbid inline scripts.
import { initAll } from "/vendor/govuk/govuk-frontend.min.js";
initAll();
