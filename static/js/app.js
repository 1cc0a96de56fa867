// The officer screens' only script, served by the app (no inline scripts: the
// Content-Security-Policy allows scripts from this origin only). Progressive: every page
// works without it.
document.addEventListener("DOMContentLoaded", function () {
  // The language switch submits as soon as a language is picked (the button stays for
  // browsers without scripts).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
});
