// Small behaviours shared by every page (no inline scripts: the CSP forbids them).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    const field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
  // Scanner first: a keyboard-wedge scanner ends its code with Enter. In a field marked
  // data-enter-next, Enter moves to the next field instead of submitting half a form.
  document.addEventListener("keydown", function (event) {
    const field = event.target.closest("[data-enter-next]");
    if (!field || event.key !== "Enter" || !field.form) return;
    event.preventDefault();
    const fields = Array.from(field.form.elements).filter(function (el) {
      return !el.disabled && el.type !== "hidden" && el.offsetParent !== null;
    });
    // data-enter-next="#confirm" names where to go (e.g. the confirm button after a scan).
    const target = field.dataset.enterNext && document.querySelector(field.dataset.enterNext);
    const next = target || fields[fields.indexOf(field) + 1];
    if (next) next.focus();
  });
  // Print buttons (labels, plans, the wallet card): a button, not an inline handler.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
  // htmx sends the CSRF token with every non-GET request.
  document.body.addEventListener("htmx:configRequest", function (event) {
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) event.detail.headers["X-CSRFToken"] = token.value;
  });
})();
