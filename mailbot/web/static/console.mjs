// The console's only script (CSP allows no inline script): mark the page as having JavaScript the way
// GOV.UK Frontend expects, then start its components (skip link, error summary, details...).
import { initAll } from "/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// Print buttons on print views.
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
