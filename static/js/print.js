/* Buttons marked data-print print the page (print.css keeps only its content). Hidden until this
   script shows them: without JavaScript the browser's own Print command does the same. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
