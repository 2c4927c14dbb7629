/* Forms marked data-submit-once are sent once: a double click on Save posted the form twice at
   the same moment. The server never opens two files for it anyway (beneficiary_open locks and
   checks); this spares the user the duplicate warning that the second request would bring
   back. Without JavaScript the form works as before. */
(function () {
  "use strict";

  function buttons(form) {
    return form.querySelectorAll("button:not([type=button]):not([type=reset]), input[type=submit]");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) {
      return;
    }
    if (form.getAttribute("data-submitted") === "1") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitted", "1");
    // Disabled only once the browser has collected the form's values: a button disabled now
    // would be left out of them, and the "different people" button carries its choice in its
    // own name and value.
    window.setTimeout(function () {
      buttons(form).forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });

  // Back to this page from the browser's cache: the form may be sent again (the server warns).
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.removeAttribute("data-submitted");
      buttons(form).forEach(function (button) {
        button.disabled = false;
      });
    });
  });
})();
