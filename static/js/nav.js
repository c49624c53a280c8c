// Navigation on phones and tablets: the links fold into a "Menu" button
// (CSS shows the button only on narrow screens). Escape closes the open
// menu (Report, More, or the whole menu) and puts focus back on its button.
// Without this script the links stay visible and wrap.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var header = document.getElementById("site-header");
    var toggle = document.getElementById("nav-toggle");
    var menu = document.getElementById("nav-menu");
    if (!header || !toggle || !menu) { return; }
    header.classList.add("nav-collapsible");
    toggle.hidden = false;

    function setMenuOpen(open) {
      menu.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }

    toggle.addEventListener("click", function () {
      setMenuOpen(toggle.getAttribute("aria-expanded") !== "true");
    });

    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var dropdown = header.querySelector("details.dropdown[open]");
      if (dropdown) {
        dropdown.open = false;
        dropdown.querySelector("summary").focus();
        return;
      }
      if (menu.classList.contains("open")) {
        setMenuOpen(false);
        toggle.focus();
      }
    });

    // A dropdown closes when the user clicks or tabs away from it.
    function closeDropdownsOutside(target) {
      header.querySelectorAll("details.dropdown[open]").forEach(function (dropdown) {
        if (!dropdown.contains(target)) { dropdown.open = false; }
      });
    }
    document.addEventListener("click", function (event) { closeDropdownsOutside(event.target); });
    document.addEventListener("focusin", function (event) { closeDropdownsOutside(event.target); });
  });
})();
