// The Incidents list refreshes itself (htmx, every few seconds). A refresh waits while
// someone is choosing a status in a row, so a choice not yet "Set" is not swept away;
// ticks and filters need nothing here: the refresh asks with them (see _incidents.html).
(function () {
  "use strict";

  function choosing(list) {
    const active = document.activeElement;
    if (active && list.contains(active) && active.matches("select, input:not([type=checkbox]), textarea")) {
      return true;
    }
    return Array.from(list.querySelectorAll("select")).some((select) => {
      const shown = Array.from(select.options).find((option) => option.defaultSelected);
      return shown !== undefined && select.value !== shown.value;
    });
  }

  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const source = event.detail.elt;
    if (!source || !source.matches || !source.matches("[data-poll]")) return;
    const list = document.getElementById("incidents");
    if (list && choosing(list)) event.preventDefault();
  });
})();
