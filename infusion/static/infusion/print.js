// The printable lymphodepletion plan: a button, not an inline handler (the CSP forbids those).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
