// Privacy screen: Alt+Shift+P submits the same form as the button in the page
// header. The masking happens on the server; this only adds the shortcut.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (!(event.altKey && event.shiftKey && event.code === "KeyP")) { return; }
    var form = document.getElementById("privacy-screen-form");
    if (!form) { return; }
    event.preventDefault();
    form.submit();
  });
})();
