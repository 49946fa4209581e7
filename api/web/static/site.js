// 三单联动: small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // the menu button on narrow screens
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  // buttons that change something important ask first
  document.addEventListener("submit", function (event) {
    var button = event.submitter || event.target.querySelector("[data-confirm]");
    var text = button && button.getAttribute("data-confirm");
    if (text && !window.confirm(text)) { event.preventDefault(); return; }
    // one click, one submission: a slow network must not send the form twice
    var form = event.target;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
  });
  // coming back with the browser's back button: the form may be sent again
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (f) { delete f.dataset.sent; });
  });
  // a text box with a character limit shows how much is left
  document.querySelectorAll("textarea[maxlength]").forEach(function (box) {
    var note = document.createElement("small");
    note.className = "help";
    var update = function () { note.textContent = "还可输入 " + (box.maxLength - box.value.length) + " 字"; };
    box.insertAdjacentElement("afterend", note);
    box.addEventListener("input", update);
    update();
  });
})();
