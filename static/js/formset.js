// "Add a line" on a page with a Django formset: a new empty row copied from the page's
// <template> (the formset's empty form), numbered after the rows already there. Without
// scripts the button stays hidden and the page's own empty rows are used instead.
"use strict";

document.querySelectorAll("[data-formset-add]").forEach((button) => {
  const prefix = button.dataset.formsetAdd;
  const template = document.getElementById(button.dataset.template);
  const rows = document.getElementById(button.dataset.rows);
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  const maximum = document.getElementById(`id_${prefix}-MAX_NUM_FORMS`);
  if (!template || !rows || !total) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", () => {
    const index = Number(total.value);
    if (maximum && index >= Number(maximum.value)) {
      return;
    }
    const row = template.content.cloneNode(true);
    row.querySelectorAll("[id], [name], [for]").forEach((element) => {
      for (const attribute of ["id", "name", "for"]) {
        const value = element.getAttribute(attribute);
        if (value) {
          element.setAttribute(attribute, value.replaceAll("__prefix__", String(index)));
        }
      }
    });
    rows.appendChild(row);
    total.value = String(index + 1);
    const added = rows.lastElementChild;
    const first = added && added.querySelector("input:not([type=hidden]), select, textarea");
    if (first) {
      first.focus();
    }
  });
});
